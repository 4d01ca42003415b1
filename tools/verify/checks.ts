// The testing guide's checks against a live gateway, each returning named results with what
// was observed against what the stack says to expect.
import type { StackConfig, ServiceName } from "../../stacks";
import { parseDuration, serviceNames } from "../../stacks";
import { Budget, inParallel, type Answer } from "./client";
import { significance, splitSampleSize, testShare } from "./stats";
import { internalRoutes, readEndpoints, unknownPath } from "./surface";

export interface CheckResult {
    readonly check: string;
    readonly status: "pass" | "fail" | "skip";
    readonly observed: string;
    readonly expected: string;
}

export interface CheckContext {
    readonly budget: Budget;
    readonly config: StackConfig;
    readonly progress: (line: string) => void;
}

/** Header every service sets on its answers (services/src/runtime/server.ts). */
export const versionHeader = "x-service-version";
const concurrency = 16;
const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
const result = (check: string, pass: boolean, observed: string, expected: string): CheckResult => ({ check, status: pass ? "pass" : "fail", observed, expected });

export async function checkEndpoints({ budget, config, progress }: CheckContext): Promise<CheckResult[]> {
    const results: CheckResult[] = [];
    const pin = config.services.product.canary?.header ?? "x-version";
    for (const endpoint of readEndpoints) {
        const customer = endpoint.class === "customer";
        const answer = await budget.send(endpoint.path, { authenticated: customer, headers: endpoint.version ? { [pin]: endpoint.version } : {} });
        const version = answer.headers.get(versionHeader);
        const how = [customer && "with a token", endpoint.version && `${pin}: ${endpoint.version}`].filter(Boolean).join(", ");
        results.push(result(`${endpoint.service} GET ${endpoint.path}${how ? ` (${how})` : ""}`, answer.status >= 200 && answer.status < 300 && !!version, `${answer.status}, ${versionHeader}: ${version ?? "missing"}`, `2xx with ${versionHeader}`));
    }
    for (const route of internalRoutes) {
        const answer = await budget.send(route.path, { method: route.method, authenticated: true, ...(route.method === "POST" ? { headers: { "content-type": "application/json" }, body: "{}" } : {}) });
        results.push(result(`internal ${route.method} ${route.path}`, answer.status === 404 || answer.status === 403, String(answer.status), "refused at the edge (404 or 403), even with a token"));
    }
    const missing = await budget.send(unknownPath);
    const json = isJson(missing);
    results.push(result(`unknown route ${unknownPath}`, missing.status === 404 && json, `${missing.status}${json ? " JSON" : ` ${missing.headers.get("content-type") ?? "no content type"}`}`, "404 JSON"));
    progress(`endpoints: ${results.filter((r) => r.status === "pass").length}/${results.length} pass`);
    return results;
}

function isJson(answer: Answer): boolean {
    try {
        JSON.parse(answer.text);
        return (answer.headers.get("content-type") ?? "").includes("application/json");
    } catch {
        return false;
    }
}

export async function checkSplit({ budget, config, progress }: CheckContext): Promise<CheckResult[]> {
    const canary = config.services.product.canary;
    if (!canary) return [{ check: "product split", status: "skip", observed: "-", expected: "no canary configured" }];
    const wanted = splitSampleSize(canary.weight);
    const n = Math.min(wanted, budget.left - 40);
    progress(`split: ${n} requests to tell ${canary.weight}% from ±5 points at significance ${significance}`);
    const versions = await inParallel(n, concurrency, async (i) => {
        const answer = await budget.send("/api/products");
        if ((i + 1) % 100 === 0) progress(`split: ${i + 1}/${n}`);
        return answer.status < 300 ? answer.headers.get(versionHeader) : `status ${answer.status}`;
    });
    const toCanary = versions.filter((v) => v === canary.canary).length;
    const other = versions.filter((v) => v !== canary.canary && v !== canary.stable);
    const test = testShare(toCanary, n, canary.weight / 100);
    const results = [
        result(
            `product split ${canary.stable}/${canary.canary}`,
            test.pass && other.length === 0 && n >= 400,
            `${canary.canary} ${toCanary}/${n} = ${pct(toCanary / n)} (binomial p = ${test.pValue.toPrecision(2)}${other.length ? `; ${other.length} neither: ${[...new Set(other)].join(", ")}` : ""})`,
            `${canary.weight}% at significance ${significance}${n < wanted ? ` (wanted ${wanted} requests, budget allowed ${n})` : ""}`,
        ),
    ];
    for (const version of [canary.stable, canary.canary]) {
        const pinned = await inParallel(20, concurrency, async () => (await budget.send("/api/products", { headers: { [canary.header]: version } })).headers.get(versionHeader));
        const hits = pinned.filter((v) => v === version).length;
        results.push(result(`${canary.header}: ${version}`, hits === pinned.length, `${hits}/${pinned.length} reached ${version}`, `all reach ${version}`));
    }
    return results;
}

/** The guide's order, created end to end and read back; a simulated payment decline is retried with a new order. */
export const guideOrder = { userId: "1", items: [{ productId: "1", price: 999, quantity: 1 }] };
export const orderAttempts = 3;

export async function checkOrder({ budget, progress }: CheckContext): Promise<CheckResult[]> {
    const tries: string[] = [];
    for (let attempt = 1; attempt <= orderAttempts; attempt++) {
        const created = await budget.send("/api/orders", {
            method: "POST",
            authenticated: true,
            headers: { "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
            body: JSON.stringify(guideOrder),
        });
        if (created.status === 402) {
            tries.push("402 payment declined");
            progress(`order: attempt ${attempt} declined (simulated), retrying with a new order`);
            continue;
        }
        const orderId = created.status === 201 ? (JSON.parse(created.text) as { orderId?: string }).orderId : undefined;
        if (!orderId) return [result("order created and read back", false, `${[...tries, `${created.status} ${created.text.slice(0, 120)}`].join("; ")}`, "201 with an orderId")];
        const read = await budget.send(`/api/orders/${orderId}`, { authenticated: true });
        const back = read.status === 200 ? (JSON.parse(read.text) as { orderId?: string; status?: string; trackingId?: string }) : undefined;
        const results = [result("order created and read back", back?.orderId === orderId && back.status === "confirmed", `created ${orderId} (attempt ${attempt}); read back ${read.status} ${back?.status ?? ""}`.trim(), "201, then 200 confirmed with the same id")];
        // Shipping's only read needs the tracking id the order got.
        if (back?.trackingId) {
            const shipment = await budget.send(`/api/shipments/${back.trackingId}`, { authenticated: true });
            const version = shipment.headers.get(versionHeader);
            results.push(result("shipping GET /api/shipments/:trackingId", shipment.status === 200 && !!version, `${shipment.status}, ${versionHeader}: ${version ?? "missing"}`, `2xx with ${versionHeader}`));
        }
        return results;
    }
    return [result("order created and read back", false, tries.join("; "), `a confirmed order within ${orderAttempts} attempts`)];
}

/**
 * Faults are for mesh callers only: the gateway has no fault route and removes the header
 * (components/builders/routing.ts), so requests through the edge, with or without the header,
 * see no delay and no abort. The fault itself is the mesh's (and the dev router's caller
 * listeners'), checked in their own tests.
 */
export async function checkFaults({ budget, config, progress }: CheckContext): Promise<CheckResult[]> {
    const results: CheckResult[] = [];
    for (const service of serviceNames) {
        const fault = config.services[service].faults;
        if (!fault) continue;
        const { path, authenticated } = endpointOf(service);
        const n = 20;
        const delayMs = fault.delay ? parseDuration(fault.delay.fixedDelay)! : 0;
        progress(`faults: ${n} ${service} requests with ${fault.header}: true through the edge, ${n} without`);
        const withHeader = await inParallel(n, concurrency, () => budget.send(path, { authenticated, headers: { [fault.header]: "true" } }));
        const without = await inParallel(n, concurrency, () => budget.send(path, { authenticated }));
        // A delayed answer takes at least the delay; an undelayed one well under it.
        const delayed = (answers: Answer[]) => answers.filter((a) => delayMs > 0 && a.ms >= delayMs * 0.95).length;
        const failed = (answers: Answer[]) => answers.filter((a) => a.status >= 400).length;
        const slowest = (answers: Answer[]) => Math.max(...answers.map((a) => a.ms)).toFixed(0);
        for (const [label, answers] of [[`${fault.header} ignored at the edge`, withHeader], [`without ${fault.header}`, without]] as const) {
            const slow = delayed(answers);
            const broken = failed(answers);
            results.push(result(`${service} ${label}`, slow === 0 && broken === 0, `${slow} delayed, ${broken} failed of ${n} (slowest ${slowest(answers)} ms)`, "none delayed or aborted"));
        }
    }
    return results;
}

/** The service's first read the edge serves, and whether it needs the token. */
function endpointOf(service: ServiceName): { path: string; authenticated: boolean } {
    const endpoint = readEndpoints.find((e) => e.service === service && !e.version);
    return endpoint ? { path: endpoint.path, authenticated: endpoint.class === "customer" } : { path: `/api/${service}`, authenticated: false };
}
