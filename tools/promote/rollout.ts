// The promotion: each step a config change, then the gate; a failed check rolls back to 0, a
// passed 100 finishes the release (canary becomes stable, weight 0). Every decision is logged
// with its figures. An abort (SIGINT) stops between changes, so the stack file always holds
// the last change applied in full.
import { parseDuration } from "../../stacks";
import { formatFigures, judge, measure, type Analysis } from "./gate";
import type { ConfigChange, StackTarget } from "./target";
import type { Query } from "../verify/metrics";

export interface RolloutPlan {
    readonly service: string;
    readonly stable: string;
    readonly canary: string;
    readonly weight: number;
    readonly steps: readonly number[];
    readonly analysis: Analysis;
    /** How long a step may wait for minRequests before it fails. */
    readonly maxWaitMs: number;
}

export type Outcome =
    | { readonly kind: "promoted"; readonly stable: string }
    | { readonly kind: "rolledBack"; readonly check: string; readonly reason: string }
    | { readonly kind: "interrupted"; readonly weight: number };

export class Interrupted extends Error {}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(new Interrupted());
        const timer = setTimeout(resolve, ms);
        signal?.addEventListener("abort", () => (clearTimeout(timer), reject(new Interrupted())), { once: true });
    });
}

export async function promote(plan: RolloutPlan, target: StackTarget, query: Query, log: (line: string) => void, signal?: AbortSignal): Promise<Outcome> {
    const key = (leaf: string) => `services.${plan.service}.canary.${leaf}`;
    const intervalMs = parseDuration(plan.analysis.interval)!;
    let weight = plan.weight;
    const apply = async (changes: ConfigChange[], why: string) => {
        log(`${why}: ${changes.map((c) => `${c.path}=${c.value}`).join(", ")} → ${target.describe}`);
        await target.apply(changes);
    };
    try {
        for (const step of plan.steps.filter((s) => s >= plan.weight)) {
            signal?.throwIfAborted();
            if (step !== weight) {
                await apply([{ path: key("weight"), value: step }], `step to ${step}%`);
                weight = step;
            }
            let waited = 0;
            for (;;) {
                await sleep(intervalMs, signal);
                waited += intervalMs;
                const { canary, stable } = await measure(query, plan.service, plan, plan.analysis.interval);
                const verdict = judge(canary, plan.analysis);
                const figures = `${plan.canary} ${formatFigures(canary)}; ${plan.stable} ${formatFigures(stable)} (last ${plan.analysis.interval})`;
                if (verdict.kind === "pass") {
                    log(`${weight}%: pass: ${figures}; successRate ≥ ${plan.analysis.successRate}%, p99 ≤ ${plan.analysis.maxP99}, requests ≥ ${plan.analysis.minRequests}`);
                    break;
                }
                if (verdict.kind === "fail") {
                    log(`${weight}%: FAIL ${verdict.check}: ${verdict.reason}; ${figures}`);
                    await apply([{ path: key("weight"), value: 0 }], "roll back");
                    return { kind: "rolledBack", check: verdict.check, reason: verdict.reason };
                }
                if (waited >= plan.maxWaitMs) {
                    const reason = `${verdict.reason} after waiting ${waited / 1000}s`;
                    log(`${weight}%: FAIL minRequests: ${reason}; ${figures}`);
                    await apply([{ path: key("weight"), value: 0 }], "roll back");
                    return { kind: "rolledBack", check: "minRequests", reason };
                }
                log(`${weight}%: wait: ${verdict.reason}; ${figures}; waiting up to ${(plan.maxWaitMs - waited) / 1000}s more`);
            }
        }
        signal?.throwIfAborted();
        await apply(
            [
                { path: key("stable"), value: plan.canary },
                { path: key("canary"), value: plan.stable },
                { path: key("weight"), value: 0 },
            ],
            `finish the release: ${plan.canary} is stable`,
        );
        return { kind: "promoted", stable: plan.canary };
    } catch (error) {
        if (error instanceof Interrupted || signal?.aborted) return { kind: "interrupted", weight };
        throw error;
    }
}
