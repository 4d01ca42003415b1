import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { createTestDatabase, queryDatabase } from "./support/database";
import { asUser, get, post } from "./support/http";
import { startStack, type TestStack } from "./support/services";
import { serviceNames } from "../src/index";

const example = { userId: "1", items: [{ productId: "1", price: 999, quantity: 1 }] };
/** POST an order as the customer it names, as the gateway would after checking their token, under a fresh key unless one is given. */
const placeAt = (url: string) => <Order extends { userId: string }>(order: Order, headers: Record<string, string> = {}) =>
    post(url, order, { ...asUser(order.userId), "idempotency-key": randomUUID(), ...headers });

describe("order service: the whole flow across real services", () => {
    let stack: TestStack;
    let databaseUrl: string;
    let orders: string;
    let place: ReturnType<typeof placeAt>;
    const available = async (productId: string) => (await get(`${stack.url("inventory")}/api/inventory/${productId}`)).body.available;
    const count = async (sql: string, params: unknown[] = []) => (await queryDatabase(databaseUrl, sql, params))[0].n as number;

    before(async () => {
        databaseUrl = (await createTestDatabase()).url;
        stack = await startStack(databaseUrl, serviceNames);
        orders = `${stack.url("order")}/api/orders`;
        place = placeAt(orders);
    });
    after(() => stack?.stop());

    it("places the documented example order: confirmed, charged, shipped, notified", async () => {
        const answer = await place(example);
        expect(answer.status).to.equal(201);
        expect(answer.body).to.include({ status: "confirmed", total: 999, currency: "EUR" });
        const { orderId, paymentId, trackingId } = answer.body;
        expect(await available("1")).to.equal(9999);
        const payments = await queryDatabase(databaseUrl, "SELECT amount, idempotency_key FROM payment.payments WHERE order_id = $1", [orderId]);
        expect(payments).to.deep.equal([{ amount: 999, idempotency_key: `order-${orderId}` }]);
        const shipment = await get(`${stack.url("shipping")}/api/shipments/${trackingId}`, asUser("1"));
        expect(shipment.body).to.include({ orderId, status: "label_created" });
        const notes = await get(`${stack.url("notification")}/api/notifications?userId=1`, asUser("1"));
        expect(notes.body.notifications.map((n: { orderId: string; type: string }) => [n.type, n.orderId])).to.deep.include(["order_confirmed", orderId]);

        const stored = await get(`${orders}/${orderId}`, asUser("1"));
        expect(stored.status).to.equal(200);
        expect(stored.body).to.include({ orderId, userId: "1", status: "confirmed", total: 999, paymentId, trackingId });
        expect(stored.body.items).to.deep.equal([{ productId: "1", quantity: 1, unitPrice: 999 }]);
    });

    it("totals several lines from catalogue prices", async () => {
        const answer = await place({
            userId: "1",
            items: [{ productId: "2", price: 3499, quantity: 2 }, { productId: "5", price: 499, quantity: 3 }],
        });
        expect(answer.status).to.equal(201);
        expect(answer.body.total).to.equal(2 * 3499 + 3 * 499);
    });

    it("rejects a client price that differs from the catalogue (409) and reserves nothing", async () => {
        const before = await available("3");
        const answer = await place({ userId: "1", items: [{ productId: "3", price: 100, quantity: 1 }] });
        expect(answer.status).to.equal(409);
        expect(answer.body.details).to.deep.equal([{ productId: "3", price: 8999, requested: 100 }]);
        expect(await available("3")).to.equal(before);
    });

    it("rejects an unknown user or product with 422", async () => {
        expect((await place({ ...example, userId: "nobody" })).body).to.deep.equal({ error: "unknown user", details: { userId: "nobody" } });
        const answer = await place({ userId: "1", items: [{ productId: "77", price: 100, quantity: 1 }] });
        expect(answer.status).to.equal(422);
        expect(answer.body.error).to.equal("unknown product");
    });

    it("places and shows orders only for the token's subject (401 without one, 403 for another customer)", async () => {
        expect((await post(orders, example)).status).to.equal(401);
        const forOther = await post(orders, example, asUser("2"));
        expect(forOther.status).to.equal(403);
        expect(forOther.body).to.deep.equal({ error: "this order's account belongs to another customer", details: { subject: "2" } });
        const { orderId } = (await place(example)).body;
        expect((await get(`${orders}/${orderId}`, asUser("2"))).status).to.equal(403);
        expect((await get(`${orders}/${orderId}`)).status).to.equal(401);
    });

    it("answers 404 for an unknown order id", async () => {
        expect((await get(`${orders}/does-not-exist`, asUser("1"))).status).to.equal(404);
    });

    it("a retry with the same Idempotency-Key returns the first result and creates nothing new", async () => {
        const headers = { "idempotency-key": "retry-key-1" };
        const first = await place(example, headers);
        const again = await place(example, headers);
        expect(again.status).to.equal(201);
        expect(again.body).to.deep.equal(first.body);
        expect(again.headers.get("idempotent-replayed")).to.equal("true");
        expect(await count("SELECT count(*)::int AS n FROM \"order\".orders WHERE idempotency_key = 'retry-key-1'")).to.equal(1);
        expect(await count("SELECT count(*)::int AS n FROM payment.payments WHERE order_id = $1", [first.body.orderId])).to.equal(1);
    });

    it("the same Idempotency-Key with a different body is refused (422)", async () => {
        await place(example, { "idempotency-key": "retry-key-2" });
        const other = await place({ ...example, items: [{ productId: "1", price: 999, quantity: 2 }] }, { "idempotency-key": "retry-key-2" });
        expect(other.status).to.equal(422);
    });

    it("concurrent duplicates with one Idempotency-Key create exactly one order and one charge", async () => {
        const stockBefore = await available("1");
        const headers = { "idempotency-key": "burst-key" };
        const answers = await Promise.all(Array.from({ length: 8 }, () => place(example, headers)));
        const statuses = answers.map((a) => a.status);
        // The first finishes (201); the others either replay it (201) or were told it is still in progress (409).
        expect(statuses.every((s) => s === 201 || s === 409)).to.equal(true, `statuses ${statuses}`);
        expect(statuses).to.include(201);
        expect(new Set(answers.filter((a) => a.status === 201).map((a) => a.body.orderId)).size).to.equal(1);
        expect(await count("SELECT count(*)::int AS n FROM \"order\".orders WHERE idempotency_key = 'burst-key'")).to.equal(1);
        const orderId = answers.find((a) => a.status === 201)!.body.orderId;
        expect(await count("SELECT count(*)::int AS n FROM payment.payments WHERE order_id = $1", [orderId])).to.equal(1);
        expect(await available("1")).to.equal(stockBefore - 1);
    });

    it("concurrent orders for the last item: exactly one wins, the rest get 409", async () => {
        await queryDatabase(databaseUrl, "UPDATE inventory.stock SET available = 1 WHERE product_id = '6'");
        const order = { userId: "1", items: [{ productId: "6", price: 1999, quantity: 1 }] };
        const answers = await Promise.all(Array.from({ length: 10 }, () => place(order)));
        const statuses = answers.map((a) => a.status).sort();
        expect(statuses).to.deep.equal([201, ...Array(9).fill(409)]);
        expect(answers.filter((a) => a.status === 409).every((a) => a.body.error === "insufficient stock")).to.equal(true);
        expect(await available("6")).to.equal(0);
        expect(await count("SELECT count(*)::int AS n FROM \"order\".orders o JOIN \"order\".order_items i ON i.order_id = o.id WHERE i.product_id = '6' AND o.status = 'confirmed'")).to.equal(1);
    });
});

describe("order service: a failed payment", () => {
    let stack: TestStack;
    let databaseUrl: string;

    before(async () => {
        databaseUrl = (await createTestDatabase()).url;
        stack = await startStack(databaseUrl, serviceNames, {}, { payment: { PAYMENT_FAILURE_RATE: "1" } });
    });
    after(() => stack?.stop());

    it("releases the stock, answers 402 and stores the order as payment_failed", async () => {
        const answer = await placeAt(`${stack.url("order")}/api/orders`)(example);
        expect(answer.status).to.equal(402);
        expect(answer.body.error).to.equal("payment failed");
        const { orderId } = answer.body.details;
        expect(answer.body.details).to.include({ status: "payment_failed", total: 999 });
        expect((await get(`${stack.url("inventory")}/api/inventory/1`)).body.available).to.equal(10000);
        const reservations = await queryDatabase(databaseUrl, "SELECT count(*)::int AS n FROM inventory.reservations");
        expect(reservations[0].n).to.equal(0);
        expect((await get(`${stack.url("order")}/api/orders/${orderId}`, asUser("1"))).body).to.include({ status: "payment_failed", paymentId: null });
        const charges = await queryDatabase(databaseUrl, "SELECT status FROM payment.payments");
        expect(charges.map((charge) => charge.status)).to.deep.equal(["declined"]);
    });
});
