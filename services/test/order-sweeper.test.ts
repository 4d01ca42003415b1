// The sweeper finishes orders that were left pending after the reservation and that no client
// retries: completed when payment is back, released when payment declines, each exactly once
// with two order replicas sweeping the same database.
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { loadConfig, serviceNames, startService, type RunningService } from "../src/index";
import { createTestDatabase, queryDatabase } from "./support/database";
import { checkInvariants, stockOf } from "./support/faults";
import { get, post, asUser } from "./support/http";
import { startStack, testEnv, type TestStack } from "./support/services";

describe("order service: the pending-order sweeper, with two order replicas", () => {
    let stack: TestStack;
    let declining: TestStack;
    let databaseUrl: string;
    let gate: Server;
    let paymentDown = true;
    const declineOrders = new Set<string>();
    /** Charges that reached payment, per order id. */
    const charges = new Map<string, number>();
    const replicas: RunningService[] = [];
    let initialStock: Map<string, number>;

    before(async () => {
        databaseUrl = (await createTestDatabase()).url;
        stack = await startStack(databaseUrl, serviceNames.filter((name) => name !== "order"));
        initialStock = await stockOf(databaseUrl);
        declining = await startStack(databaseUrl, ["payment"], { PAYMENT_FAILURE_RATE: "1" });
        // Between order and payment: down (503) until the test brings payment back.
        gate = createServer((request, response) => {
            if (paymentDown) return void response.writeHead(503, { "content-type": "text/plain" }).end("no healthy upstream");
            let body = "";
            request.on("data", (chunk) => (body += chunk));
            request.on("end", async () => {
                const { orderId } = JSON.parse(body) as { orderId: string };
                charges.set(orderId, (charges.get(orderId) ?? 0) + 1);
                const target = declineOrders.has(orderId) ? declining.url("payment") : stack.url("payment");
                const forwarded = await fetch(`${target}${request.url}`, {
                    method: "POST",
                    headers: { "content-type": "application/json", "idempotency-key": String(request.headers["idempotency-key"]) },
                    body,
                });
                response.writeHead(forwarded.status, { "content-type": "application/json" }).end(await forwarded.text());
            });
        });
        gate.listen(0, "127.0.0.1");
        await once(gate, "listening");
        const urls = Object.fromEntries(serviceNames.filter((name) => name !== "order").map((name) => [`${name.toUpperCase()}_URL`, stack.url(name)]));
        const env = { ...urls, PAYMENT_URL: `http://127.0.0.1:${(gate.address() as AddressInfo).port}`, ORDER_SWEEP_INTERVAL_MS: "50", ORDER_SWEEP_AGE_MS: "300" };
        for (let replica = 0; replica < 2; replica++) replicas.push(await startService(loadConfig(testEnv("order", databaseUrl, env))));
    });
    after(async () => {
        await Promise.all(replicas.map((replica) => replica.close()));
        await stack?.stop();
        await declining?.stop();
        gate?.close();
    });

    const statusOf = async (orderId: string) => (await queryDatabase(databaseUrl, `SELECT status FROM "order".orders WHERE id = $1`, [orderId]))[0].status;
    const available = async (productId: string) => (await get(`${stack.url("inventory")}/api/inventory/${productId}`)).body.available;
    async function until(orderId: string, wanted: string): Promise<void> {
        const deadline = Date.now() + 10_000;
        while ((await statusOf(orderId)) !== wanted) {
            if (Date.now() > deadline) throw new Error(`order ${orderId} is still ${await statusOf(orderId)}, not ${wanted}`);
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
    }
    const sweptTotal = async (status: string) => {
        let total = 0;
        for (const replica of replicas) {
            const metric = await replica.metrics.businessEvents.get();
            total += metric.values.filter((v) => v.labels.event === "order_swept" && v.labels.status === status).reduce((sum, v) => sum + v.value, 0);
        }
        return total;
    };

    it("completes one order and releases the other, each claimed and charged exactly once", async () => {
        const completes = await post(`${replicas[0].url}/api/orders`, { userId: "1", items: [{ productId: "3", price: 8999, quantity: 2 }] }, { ...asUser("1"), "idempotency-key": "sweep-completes" });
        const releases = await post(`${replicas[1].url}/api/orders`, { userId: "1", items: [{ productId: "5", price: 499, quantity: 3 }] }, { ...asUser("1"), "idempotency-key": "sweep-releases" });
        expect([completes.status, releases.status]).to.deep.equal([503, 503]);
        const [completing, releasing] = [completes.body.details.orderId, releases.body.details.orderId];
        // Interrupted after the reservation: the stock is held while the orders are pending.
        expect([await available("3"), await available("5")]).to.deep.equal([38, 997]);
        expect([await statusOf(completing), await statusOf(releasing)]).to.deep.equal(["pending", "pending"]);

        declineOrders.add(releasing);
        paymentDown = false;
        await until(completing, "confirmed");
        await until(releasing, "payment_failed");
        // Both replicas keep sweeping for a while: nothing runs a second time.
        await new Promise((resolve) => setTimeout(resolve, 500));

        expect(Object.fromEntries(charges)).to.deep.equal({ [completing]: 1, [releasing]: 1 });
        expect(await sweptTotal("confirmed")).to.equal(1);
        expect(await sweptTotal("payment_failed")).to.equal(1);
        expect([await available("3"), await available("5")]).to.deep.equal([38, 1000]);
        const shipments = await queryDatabase(databaseUrl, "SELECT order_id FROM shipping.shipments ORDER BY order_id");
        expect(shipments.map((row) => row.order_id)).to.deep.equal([completing]);
        const told = await queryDatabase(databaseUrl, "SELECT type, order_id FROM notification.notifications ORDER BY type");
        expect(told).to.deep.equal([
            { type: "order_confirmed", order_id: completing },
            { type: "payment_failed", order_id: releasing },
        ]);
        expect(await checkInvariants(databaseUrl, initialStock)).to.deep.equal([]);
    });
});
