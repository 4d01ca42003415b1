// `npm run verify -- --chaos <scenario>`: starts the scenario on the service's chaos controls,
// sends its traffic through the target for a while, ends the scenario, then checks what
// Prometheus says against the scenario's expectations (scenarios.ts).
import { randomUUID } from "node:crypto";
import type { StackConfig } from "../../stacks";
import { ingressTargets } from "../../components/observability/queries";
import { apply } from "../chaos/main";
import { devChaosFile, devControls, type Control } from "../chaos/targets";
import type { CheckResult } from "./checks";
import { ingressNamespace, type Query } from "./metrics";
import { checkScenario, type Scenario } from "./scenarios";

export interface ScenarioRun {
    readonly scenario: Scenario;
    readonly target: string;
    readonly config: StackConfig;
    readonly controls: readonly string[];
    readonly durationMs: number;
    readonly auth: Record<string, string>;
    readonly query?: Query;
    readonly progress: (line: string) => void;
    readonly env?: NodeJS.ProcessEnv;
    /** How long to wait after the traffic for Prometheus to scrape it. */
    readonly scrapeWaitMs?: number;
}

/** The answers of the scenario's traffic, by status (0: no answer). */
export type Answers = Record<string, number>;

/** Paced under the stack's edge rate limit (120 writes, 600 reads a minute by default); a 429 waits its Retry-After. */
const paceMs = { GET: 200, POST: 600 } as const;

async function send(run: ScenarioRun): Promise<{ status: number; retryAfterMs: number }> {
    const { method, path } = run.scenario.traffic;
    const order = method === "POST" ? { userId: "1", items: [{ productId: "1", price: 999, quantity: 1 }] } : undefined;
    const headers = { ...run.auth, ...(order ? { "content-type": "application/json", "idempotency-key": randomUUID() } : {}) };
    return fetch(`${run.target}${path}`, { method, headers, body: order && JSON.stringify(order), signal: AbortSignal.timeout(30_000) }).then(
        async (answer) => {
            await answer.arrayBuffer();
            return { status: answer.status, retryAfterMs: Number(answer.headers.get("retry-after") ?? 0) * 1000 };
        },
        () => ({ status: 0, retryAfterMs: 0 }),
    );
}

export async function runScenario(run: ScenarioRun): Promise<{ results: CheckResult[]; answers: Answers }> {
    const { scenario } = run;
    const all: Control[] = run.controls.length ? run.controls.map((url) => ({ url })) : devControls(devChaosFile(run.env));
    const set = { kind: "set", service: scenario.service, request: scenario.chaos } as const;
    const started: Control[] = [];
    const answers: Answers = {};
    try {
        // Inside the try: a control that refuses after others started still clears those.
        for (const control of all) {
            if (scenario.onePod && started.length) break;
            const outcome = await apply(control, set, undefined);
            if (!outcome) continue;
            if (!outcome.ok) throw new Error(`chaos control refused the ${scenario.name} scenario: ${outcome.line}`);
            run.progress(`chaos: ${outcome.line}`);
            started.push(control);
        }
        if (!started.length) throw new Error(`no chaos control of ${scenario.service} among ${all.length}`);
        const until = Date.now() + run.durationMs;
        while (Date.now() < until) {
            const sent = Date.now();
            const { status, retryAfterMs } = await send(run);
            answers[status] = (answers[status] ?? 0) + 1;
            const wait = Math.max(status === 429 ? retryAfterMs : 0, paceMs[scenario.traffic.method] - (Date.now() - sent));
            await new Promise((resolve) => setTimeout(resolve, Math.min(wait, Math.max(0, until - Date.now()))));
        }
    } finally {
        for (const control of started) await apply(control, { kind: "clear", service: scenario.service }, undefined);
    }
    const traffic: CheckResult = {
        check: `${scenario.name}: traffic`,
        status: Object.keys(answers).length ? "pass" : "fail",
        observed: `${scenario.traffic.method} ${scenario.traffic.path}: ${Object.entries(answers).map(([status, n]) => `${n}× ${status === "0" ? "no answer" : status}`).join(", ")}`,
        expected: "answers through the target while the scenario ran",
    };
    if (!run.query) return { results: [traffic], answers };
    await new Promise((resolve) => setTimeout(resolve, run.scrapeWaitMs ?? 15_000));
    // The mesh's ingress gateway is scraped in a cluster; npm run dev has none.
    const mesh = (await run.query(ingressTargets(ingressNamespace))).length > 0;
    const window = `${Math.ceil(run.durationMs / 1000) + 60}s`;
    return { results: [traffic, ...(await checkScenario(scenario, run.query, run.config, window, mesh))], answers };
}
