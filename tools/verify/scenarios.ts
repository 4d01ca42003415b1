// The resilience guide's chaos scenarios: what to inject, what traffic shows it, and what
// Prometheus must then say. Every expression comes from components/observability/queries.ts.
// Observations marked `mesh` need Envoy between the services: under npm run dev they are skipped.
import { businessRate, callerLatencyQuantile, callerSuccessRatio, callerTimeouts, chaosInjected, ejectionsEnforced, retriesSent } from "../../components/observability/queries";
import type { ChaosRequest } from "../../services/src/runtime/chaos";
import { parseDuration, type ServiceName, type StackConfig } from "../../stacks";
import type { CheckResult } from "./checks";
import type { Query } from "./metrics";

export const scenarioNames = ["breaker", "retry", "timeout"] as const;
export type ScenarioName = (typeof scenarioNames)[number];

export interface Expectation {
    readonly check: string;
    readonly expr: string;
    readonly expected: string;
    /** Only a mesh shows it (Envoy's stats, Istio's metrics). */
    readonly mesh: boolean;
    /** Why the stack cannot show it at all (a config key), checked before Prometheus is asked. */
    readonly cannotHold?: string;
    pass(value: number): boolean;
}

/**
 * Envoy's default histogram buckets in ms (HistogramSettingsImpl::defaultBuckets), which
 * istio_request_duration_milliseconds uses unless a pod sets sidecar.istio.io/statsHistogramBuckets.
 */
export const envoyDefaultBucketsMs = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

export interface Scenario {
    readonly name: ScenarioName;
    readonly summary: string;
    readonly service: ServiceName;
    readonly chaos: ChaosRequest;
    /** The breaker scenario fails one pod: the others keep serving. */
    readonly onePod: boolean;
    /** The request the traffic repeats, through the edge. */
    readonly traffic: { readonly method: "GET" | "POST"; readonly path: string };
    expectations(config: StackConfig, window: string): Expectation[];
}

const positive = (check: string, expr: string, mesh: boolean, what: string): Expectation => ({ check, expr, expected: `${what} > 0`, mesh, pass: (v) => v > 0 });

/** The client success rate the retries promise: each of attempts + 1 tries fails with `rate`. */
export const expectedSuccess = (rate: number, attempts: number) => 1 - rate ** (attempts + 1);

export const scenarios: Readonly<Record<ScenarioName, Scenario>> = {
    breaker: {
        name: "breaker",
        summary: "payment answers 500 on one pod: its callers' sidecars eject it, orders keep being confirmed by the other pods",
        service: "payment",
        chaos: { errorRate: 1, errorAnswer: 500, latencyMs: 0, ttlSeconds: 120 },
        onePod: true,
        traffic: { method: "POST", path: "/api/orders" },
        expectations: (config, window) => [
            positive("breaker: failures injected", chaosInjected("payment", window), false, "payment's injected failures"),
            positive("breaker: payment ejected", ejectionsEnforced("payment", config.namespace, window), true, "outlier ejections of payment"),
            // Needs a second payment pod: with one, Envoy still ejects it, but under minHealthPercent
            // it balances over all hosts again, and every order meets the failing pod.
            {
                ...positive("breaker: orders still confirmed", businessRate("order_placed", "confirmed", window), true, "confirmed orders per second"),
                ...(config.services.payment.replicas < 2 ? { cannotHold: `needs 2 or more payment pods; services.payment.replicas is ${config.services.payment.replicas}` } : {}),
            },
        ],
    },
    retry: {
        name: "retry",
        summary: "half of the catalogue reads fail: the callers' sidecars retry them",
        service: "product",
        chaos: { errorRate: 0.5, errorAnswer: 503, latencyMs: 0, route: "GET /api/products/:id", ttlSeconds: 120 },
        onePod: false,
        // Through the edge: the gateway's Envoy is the caller that retries.
        traffic: { method: "GET", path: "/api/products/1" },
        expectations: (config, window) => {
            const want = expectedSuccess(0.5, config.services.product.retries.attempts);
            return [
                positive("retry: failures injected", chaosInjected("product", window), false, "product's injected failures"),
                positive("retry: retries sent", retriesSent("product", config.namespace, window), true, "retries to product"),
                {
                    check: "retry: callers' success rate",
                    expr: callerSuccessRatio("product", window),
                    expected: `${want.toFixed(3)} ± 0.05 (1 − 0.5^(attempts + 1), attempts ${config.services.product.retries.attempts})`,
                    mesh: true,
                    pass: (v) => Math.abs(v - want) <= 0.05,
                },
            ];
        },
    },
    timeout: {
        name: "timeout",
        summary: "inventory waits 20 s: its callers answer at inventory's route timeout, not at 20 s",
        service: "inventory",
        chaos: { errorRate: 0, errorAnswer: 500, latencyMs: 20_000, route: "GET /api/inventory/:productId", ttlSeconds: 120 },
        onePod: false,
        traffic: { method: "GET", path: "/api/inventory/1" },
        expectations: (config, window) => {
            const timeoutMs = parseDuration(config.services.inventory.timeout)!;
            // histogram_quantile interpolates inside a bucket, so the p99 of answers at the timeout
            // can read up to the bound of the bucket holding it; a 20 s wait lands in a higher one.
            const boundMs = envoyDefaultBucketsMs.find((bound) => bound >= timeoutMs)!;
            const injectedMs = scenarios.timeout.chaos.latencyMs;
            return [
                positive("timeout: latency injected", chaosInjected("inventory", window), false, "inventory's injected delays"),
                positive("timeout: callers got 504", callerTimeouts("inventory", window), true, "504s from inventory's route timeout"),
                {
                    check: "timeout: callers' p99",
                    expr: callerLatencyQuantile(0.99, "inventory", window),
                    expected: `≤ ${boundMs / 1000}s (the Envoy histogram bucket holding inventory's ${timeoutMs / 1000}s timeout), not ${injectedMs / 1000}s`,
                    mesh: true,
                    ...(boundMs >= injectedMs ? { cannotHold: `services.inventory.timeout ${config.services.inventory.timeout} shares a histogram bucket with the injected ${injectedMs / 1000}s` } : {}),
                    pass: (v) => v <= boundMs / 1000,
                },
            ];
        },
    },
};

/** Evaluates a scenario's expectations; without a mesh (npm run dev) the mesh-only ones are skipped. */
export async function checkScenario(scenario: Scenario, query: Query, config: StackConfig, window: string, mesh: boolean): Promise<CheckResult[]> {
    const results: CheckResult[] = [];
    for (const e of scenario.expectations(config, window)) {
        if (e.mesh && !mesh) {
            results.push({ check: e.check, status: "skip", observed: "no mesh: npm run dev has no Envoy between the services", expected: `${e.expected} (a cluster shows it)` });
            continue;
        }
        if (e.cannotHold) {
            results.push({ check: e.check, status: "fail", observed: `cannot hold: ${e.cannotHold}`, expected: e.expected });
            continue;
        }
        const samples = await query(e.expr);
        const value = samples.length ? samples.reduce((sum, s) => sum + Number(s.value[1]), 0) : undefined;
        const ok = value !== undefined && Number.isFinite(value) && e.pass(value);
        results.push({ check: e.check, status: ok ? "pass" : "fail", observed: value === undefined ? "no series" : String(Number(value.toFixed(4))), expected: e.expected });
    }
    return results;
}
