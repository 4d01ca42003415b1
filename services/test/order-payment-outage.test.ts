// A payment outage is not a decline: the order stays pending (503 + Retry-After), nobody is
// told the payment failed, and a retry with the same key completes it once payment is back.
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { createRouter, listenRouter } from "../dev/router";
import { defaultProductSplit } from "../dev/routes";
import { loadConfig, serviceNames, startService, type RunningService } from "../src/index";
import { createTestDatabase, queryDatabase } from "./support/database";
import { checkInvariants, stockOf } from "./support/faults";
import { asUser, get, post } from "./support/http";
import { startStack, testEnv, type TestStack } from "./support/services";

const order = { userId: "1", items: [{ productId: "2", price: 3499, quantity: 1 }] };

async function stateOf(databaseUrl: string, key: string) {
    const [row] = await queryDatabase(databaseUrl, `SELECT id, status FROM "order".orders WHERE idempotency_key = $1`, [key]);
    const notifications = await queryDatabase(databaseUrl, "SELECT type FROM notification.notifications WHERE order_id = $1 ORDER BY id", [row.id]);
    const charges = await queryDatabase(databaseUrl, "SELECT status FROM payment.payments WHERE order_id = $1", [row.id]);
    return { orderId: row.id as string, status: row.status as string, notified: notifications.map((n) => n.type), charges: charges.map((c) => c.status) };
}

function expectPendingOutage(answer: { status: number; headers: Headers; body: any }) {
    expect(answer.status).to.equal(503);
    expect(answer.headers.get("retry-after")).to.equal("5");
    expect(answer.body.error).to.equal("payment is unavailable: the order is pending, retry with the same Idempotency-Key");
    expect(answer.body.details).to.include({ status: "pending" });
}

describe("order service: payment stopped behind the local router", () => {
    let stack: TestStack;
    let databaseUrl: string;
    let router: Server;
    let payment: RunningService;
    let initialStock: Map<string, number>;
    // The harness's money invariants hold after each scenario (support/faults.ts).
    afterEach(async () => expect(await checkInvariants(databaseUrl, initialStock)).to.deep.equal([]));

    before(async () => {
        databaseUrl = (await createTestDatabase()).url;
        stack = await startStack(databaseUrl, serviceNames.filter((name) => name !== "order"));
        initialStock = await stockOf(databaseUrl);
        payment = stack.service("payment");
        // order reaches payment through the dev router, which answers 503 for a backend that is down.
        router = createRouter({ split: defaultProductSplit, backendUrl: () => payment.url });
        const routerUrl = await listenRouter(router, 0, "127.0.0.1");
        const urls = Object.fromEntries(serviceNames.filter((name) => name !== "order").map((name) => [`${name.toUpperCase()}_URL`, stack.url(name)]));
        const config = loadConfig(testEnv("order", databaseUrl, { ...urls, PAYMENT_URL: routerUrl }));
        stack.running.set("order", await startService(config));
    });
    after(async () => {
        await stack?.stop();
        router?.close();
    });

    it("answers 503 with Retry-After, keeps the order pending and the stock reserved, tells nobody; the retry completes it once", async () => {
        const headers = { "idempotency-key": "outage-stopped", ...asUser("1") };
        await payment.close();
        const during = await post(`${stack.url("order")}/api/orders`, order, headers);
        expectPendingOutage(during);
        expect(await stateOf(databaseUrl, "outage-stopped")).to.deep.include({ status: "pending", notified: [], charges: [] });
        expect((await get(`${stack.url("inventory")}/api/inventory/2`)).body.available).to.equal(249);

        // payment comes back on the same port.
        payment = await startService(loadConfig(testEnv("payment", databaseUrl, { PORT: String(payment.port) })));
        stack.running.set("payment", payment);
        const after = await post(`${stack.url("order")}/api/orders`, order, headers);
        expect(after.status).to.equal(201);
        expect(after.body).to.include({ orderId: during.body.details.orderId, status: "confirmed" });
        expect(await stateOf(databaseUrl, "outage-stopped")).to.deep.include({ status: "confirmed", notified: ["order_confirmed"], charges: ["succeeded"] });
        expect((await get(`${stack.url("inventory")}/api/inventory/2`)).body.available).to.equal(249);
    });
});

describe("order service: payment answering 503, and a real decline", () => {
    let stack: TestStack;
    let declining: TestStack;
    let outage: TestStack;
    let databaseUrl: string;
    let gate: Server;
    let mode: "envoy-503" | "payment-outage" | "forward" | "decline" = "forward";
    let paymentCalls = 0;
    let initialStock: Map<string, number>;
    afterEach(async () => expect(await checkInvariants(databaseUrl, initialStock)).to.deep.equal([]));

    before(async () => {
        databaseUrl = (await createTestDatabase()).url;
        outage = await startStack(databaseUrl, ["payment"], { PAYMENT_OUTAGE_RATE: "1" });
        declining = await startStack(databaseUrl, ["payment"], { PAYMENT_FAILURE_RATE: "1" });
        // Envoy answers a bare 503 ("no healthy upstream") when the circuit breaker trips or no pod is healthy;
        // payment itself answers 503 in a simulated outage; otherwise the gate forwards.
        gate = createServer((request, response) => {
            paymentCalls++;
            if (mode === "envoy-503") return void response.writeHead(503, { "content-type": "text/plain" }).end("no healthy upstream");
            let body = "";
            request.on("data", (chunk) => (body += chunk));
            request.on("end", async () => {
                const target = mode === "payment-outage" ? outage.url("payment") : mode === "decline" ? declining.url("payment") : stack.url("payment");
                const forwarded = await fetch(`${target}${request.url}`, {
                    method: request.method,
                    headers: { "content-type": "application/json", "idempotency-key": String(request.headers["idempotency-key"]) },
                    body,
                });
                response.writeHead(forwarded.status, { "content-type": "application/json" }).end(await forwarded.text());
            });
        });
        gate.listen(0, "127.0.0.1");
        await once(gate, "listening");
        const paymentUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}`;
        stack = await startStack(databaseUrl, serviceNames, {}, { order: { PAYMENT_URL: paymentUrl } });
        initialStock = await stockOf(databaseUrl);
    });
    after(async () => {
        await stack?.stop();
        await declining?.stop();
        await outage?.stop();
        gate?.close();
    });

    for (const failure of ["envoy-503", "payment-outage"] as const) {
        it(`${failure}: the order stays pending with nothing sent, and the same key completes it later`, async () => {
            const key = `outage-${failure}`;
            mode = failure;
            const during = await post(`${stack.url("order")}/api/orders`, order, { "idempotency-key": key, ...asUser("1") });
            expectPendingOutage(during);
            expect(await stateOf(databaseUrl, key)).to.deep.include({ status: "pending", notified: [], charges: [] });
            mode = "forward";
            const after = await post(`${stack.url("order")}/api/orders`, order, { "idempotency-key": key, ...asUser("1") });
            expect(after.status).to.equal(201);
            expect(await stateOf(databaseUrl, key)).to.deep.include({ status: "confirmed", notified: ["order_confirmed"], charges: ["succeeded"] });
        });
    }

    it("a decline (payment's 402) is final: payment_failed, stock released, the customer told once, a retry replays it", async () => {
        mode = "decline";
        const before = (await get(`${stack.url("inventory")}/api/inventory/2`)).body.available;
        const declined = await post(`${stack.url("order")}/api/orders`, order, { "idempotency-key": "declined-1", ...asUser("1") });
        expect(declined.status).to.equal(402);
        expect(declined.body).to.deep.include({ error: "payment failed" });
        expect(await stateOf(databaseUrl, "declined-1")).to.deep.include({ status: "payment_failed", notified: ["payment_failed"], charges: ["declined"] });
        expect((await get(`${stack.url("inventory")}/api/inventory/2`)).body.available).to.equal(before);
        mode = "forward";
        const calls = paymentCalls;
        const retried = await post(`${stack.url("order")}/api/orders`, order, { "idempotency-key": "declined-1", ...asUser("1") });
        expect(retried.status).to.equal(402);
        expect(retried.headers.get("idempotent-replayed")).to.equal("true");
        expect(paymentCalls).to.equal(calls);
    });
});
