import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { serviceNames } from "../src/index";
import { createTestDatabase, queryDatabase } from "./support/database";
import { asUser, get, post } from "./support/http";
import { startStack, type TestStack } from "./support/services";

describe("order service: resuming after a transient failure", () => {
    let stack: TestStack;
    let databaseUrl: string;
    let shippingDown = true;
    // Sits between order and shipping and answers 503 while the test says shipping is down.
    const gate = createServer((request, response) => {
        if (shippingDown) return void response.writeHead(503).end();
        let body = "";
        request.on("data", (chunk) => (body += chunk));
        request.on("end", async () => {
            const forwarded = await fetch(`${stack.url("shipping")}${request.url}`, {
                method: request.method,
                headers: { "content-type": "application/json" },
                body: body || undefined,
            });
            response.writeHead(forwarded.status, { "content-type": "application/json" }).end(await forwarded.text());
        });
    });

    before(async () => {
        gate.listen(0, "127.0.0.1");
        await once(gate, "listening");
        databaseUrl = (await createTestDatabase()).url;
        const shippingUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}`;
        stack = await startStack(databaseUrl, serviceNames, {}, { order: { SHIPPING_URL: shippingUrl } });
    });
    after(async () => {
        await stack?.stop();
        gate.close();
    });

    it("leaves the order pending on a 5xx, and a retry with the same key completes it without charging twice", async () => {
        const order = { userId: "1", items: [{ productId: "4", price: 1299, quantity: 2 }] };
        const headers = { "idempotency-key": "resume-1", ...asUser("1") };
        const failed = await post(`${stack.url("order")}/api/orders`, order, headers);
        expect(failed.status).to.equal(502);
        expect(failed.body.error).to.equal("shipping service failed");
        const pending = await queryDatabase(databaseUrl, `SELECT id, status, lease_until FROM "order".orders WHERE idempotency_key = 'resume-1'`);
        expect(pending).to.have.length(1);
        expect(pending[0]).to.include({ status: "pending", lease_until: null });

        shippingDown = false;
        const resumed = await post(`${stack.url("order")}/api/orders`, order, headers);
        expect(resumed.status).to.equal(201);
        expect(resumed.body).to.include({ orderId: pending[0].id, status: "confirmed", total: 2598 });
        const charges = await queryDatabase(databaseUrl, "SELECT count(*)::int AS n FROM payment.payments WHERE order_id = $1", [pending[0].id]);
        expect(charges[0].n).to.equal(1);
        expect((await get(`${stack.url("inventory")}/api/inventory/4`)).body.available).to.equal(498);
    });
});
