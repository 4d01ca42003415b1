// `verify --prometheus`: the series the dashboards and the canary gate read exist for every
// service, the request counters moved during this run, and the ingress and both product
// versions show up. Every expression comes from components/observability/queries.ts.
import { ingressRequests, ingressTargets, latencyQuantile, requestCount } from "../../components/observability/queries";
import { serviceNames, type StackConfig } from "../../stacks";
import type { CheckResult } from "./checks";

/** The istio-ingress namespace the gateway runs in (components/istioMesh.ts). */
export const ingressNamespace = "istio-ingress";

export type Query = (expr: string) => Promise<{ metric: Record<string, string>; value: [number, string] }[]>;

export function prometheusQuery(url: string): Query {
    return async (expr) => {
        const response = await fetch(`${url.replace(/\/+$/, "")}/api/v1/query?${new URLSearchParams({ query: expr })}`, { signal: AbortSignal.timeout(10_000) });
        const body = (await response.json()) as { status: string; error?: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
        if (body.status !== "success") throw new Error(`Prometheus refused ${expr}: ${body.error}`);
        return body.data!.result;
    };
}

const scalar = async (query: Query, expr: string) => {
    const [sample] = await query(expr);
    return sample ? Number(sample.value[1]) : undefined;
};

/**
 * Waits (up to `waitMs`, polling) for the counters of the run to show in Prometheus: a scrape
 * or two after the last request. `runSeconds` is how long ago the run began.
 */
export async function checkMetrics(query: Query, config: StackConfig, runStarted: number, waitMs: number, progress: (line: string) => void): Promise<CheckResult[]> {
    const deadline = Date.now() + waitMs;
    const canary = config.services.product.canary;
    for (;;) {
        const window = `${Math.ceil((Date.now() - runStarted) / 1000) + 30}s`;
        const results: CheckResult[] = [];
        for (const service of serviceNames) {
            const moved = await scalar(query, requestCount({ service }, window));
            const latency = await query(latencyQuantile(0.99, { service }, window));
            results.push({
                check: `metrics of ${service}`,
                status: moved !== undefined && moved > 0 && latency.length > 0 ? "pass" : "fail",
                observed: `${moved === undefined ? "no series" : `${moved.toFixed(0)} requests counted`}; ${latency.length ? "latency histogram present" : "no latency histogram"}`,
                expected: "requests counted during the run, latency histogram present",
            });
        }
        for (const version of canary ? [canary.stable, canary.canary] : []) {
            const count = await scalar(query, requestCount({ service: "product", version }, window));
            results.push({ check: `product ${version} in Prometheus`, status: (count ?? 0) > 0 ? "pass" : "fail", observed: `${(count ?? 0).toFixed(0)} requests`, expected: "> 0 during the run" });
        }
        const ingressUp = await query(ingressTargets(ingressNamespace));
        if (ingressUp.length === 0) {
            results.push({ check: "ingress in Prometheus", status: "skip", observed: `no target in ${ingressNamespace}`, expected: "an ingress gateway (npm run dev has none)" });
        } else {
            const count = await scalar(query, ingressRequests(ingressNamespace, window));
            results.push({ check: "ingress in Prometheus", status: (count ?? 0) > 0 ? "pass" : "fail", observed: `${(count ?? 0).toFixed(0)} requests`, expected: "> 0 during the run" });
        }
        if (results.every((r) => r.status !== "fail") || Date.now() > deadline) return results;
        progress(`metrics: ${results.filter((r) => r.status === "fail").length} not yet in Prometheus, waiting for a scrape`);
        await new Promise((resolve) => setTimeout(resolve, 3_000));
    }
}
