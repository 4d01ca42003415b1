// The promote gate: canary against its thresholds (stable shown beside it), from the canary
// queries in components/observability/queries.ts, the same ones the dashboard and alerts use.
import { canaryGate } from "../../components/observability/queries";
import { parseDuration } from "../../stacks";
import type { Query } from "../verify/metrics";

export interface Analysis {
    readonly interval: string;
    readonly successRate: number;
    readonly maxP99: string;
    readonly minRequests: number;
}

export interface VersionFigures {
    readonly requests: number;
    /** 0–1, NaN without traffic. */
    readonly successRatio: number;
    /** Seconds, NaN without traffic. */
    readonly p99: number;
}

export type Verdict = { readonly kind: "pass" } | { readonly kind: "wait"; readonly reason: string } | { readonly kind: "fail"; readonly check: string; readonly reason: string };

async function figures(query: Query, service: string, version: string, window: string): Promise<VersionFigures> {
    const value = async (expr: string) => {
        const [sample] = await query(expr);
        return sample ? Number(sample.value[1]) : NaN;
    };
    const requests = await value(canaryGate.requests(service, version, window));
    return { requests: Number.isNaN(requests) ? 0 : requests, successRatio: await value(canaryGate.successRatio(service, version, window)), p99: await value(canaryGate.p99(service, version, window)) };
}

export async function measure(query: Query, service: string, versions: { stable: string; canary: string }, window: string) {
    return { canary: await figures(query, service, versions.canary, window), stable: await figures(query, service, versions.stable, window) };
}

export const formatFigures = (f: VersionFigures) => `${f.requests.toFixed(0)} requests, success ${(f.successRatio * 100).toFixed(2)}%, p99 ${Number.isNaN(f.p99) ? "n/a" : `${(f.p99 * 1000).toFixed(0)} ms`}`;

export function judge(canary: VersionFigures, analysis: Analysis): Verdict {
    if (canary.requests < analysis.minRequests) {
        return { kind: "wait", reason: `requests ${canary.requests.toFixed(0)} < minRequests ${analysis.minRequests}` };
    }
    if (!(canary.successRatio * 100 >= analysis.successRate)) {
        return { kind: "fail", check: "successRate", reason: `success rate ${(canary.successRatio * 100).toFixed(2)}% < ${analysis.successRate}%` };
    }
    const maxP99 = parseDuration(analysis.maxP99)! / 1000;
    if (!(canary.p99 <= maxP99)) {
        return { kind: "fail", check: "maxP99", reason: `p99 ${(canary.p99 * 1000).toFixed(0)} ms > ${analysis.maxP99}` };
    }
    return { kind: "pass" };
}
