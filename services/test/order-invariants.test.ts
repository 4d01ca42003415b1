// The order flow under attack (issue 25), with real services and PostgreSQL (support/faults.ts):
// lost charges, price changes between attempts, missing and foreign keys, late workers, kills
// after each step and a restart, a payment that never answers. After every scenario the money
// invariants of services/README.md are checked in the database, not from the responses.
import { randomUUID } from "node:crypto";
import { expect } from "chai";
import pg from "pg";
import * as store from "../src/order/store";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FaultWorld, invariantChecks, sleep, until, type Step } from "./support/faults";
import { asUser, del, get, post } from "./support/http";

const fast = { DOWNSTREAM_TIMEOUT_MS: "1000" };
const noSweep = { ...fast, ORDER_SWEEP_INTERVAL_MS: "0" };
const sweeping = { ...fast, ORDER_SWEEP_INTERVAL_MS: "100", ORDER_SWEEP_AGE_MS: "300" };
const line = (productId: string, price: number, quantity = 1) => ({ userId: "1", items: [{ productId, price, quantity }] });
const as1 = (key: string) => ({ ...asUser("1"), "idempotency-key": key });

describe("order invariants: a charged order whose answer was lost, then a price change", () => {
    let world: FaultWorld;
    afterEach(async () => {
        expect(await world.violations()).to.deep.equal([]);
        await world.stop();
    });

    /** Holds payments so the charge outlives order's timeout, then lets it commit: "charged, answer lost". */
    async function lostCharge(orderUrl: string, key: string, order: ReturnType<typeof line>, beforeCommit = async () => {}) {
        const release = await world.holdLock("payment.payments", "SHARE");
        const pending = await post(`${orderUrl}/api/orders`, order, as1(key));
        await beforeCommit();
        await release();
        const orderId = pending.body.details.orderId as string;
        await until(async () => (await world.query("SELECT 1 FROM payment.payments WHERE order_id = $1 AND status = 'succeeded'", [orderId])).length === 1, "the late charge");
        return { pending, orderId };
    }

    it("a client retry with the same key completes it at the charged price (was: 409 'prices changed', charged, stock held)", async () => {
        world = await FaultWorld.start();
        const order = await world.startOrder(noSweep);
        const { pending, orderId } = await lostCharge(order.url, "lost-1", line("3", 8999));
        expect(pending.status).to.equal(503);
        expect(pending.headers.get("location")).to.equal(`/api/orders/${orderId}`);
        await world.setPrice("3", 9499);

        const retried = await post(`${order.url}/api/orders`, line("3", 8999), as1("lost-1"));
        expect(retried.status, JSON.stringify(retried.body)).to.equal(201);
        expect(retried.body).to.include({ orderId, status: "confirmed", total: 8999 });
    });

    it("the sweeper on two replicas completes it at the charged price (was: rejected with a succeeded payment, stock released)", async () => {
        world = await FaultWorld.start();
        const [first] = [await world.startOrder(sweeping), await world.startOrder(sweeping)];
        const { orderId } = await lostCharge(first.url, "lost-2", line("3", 8999, 2), () => world.setPrice("3", 9499));
        await world.settled();
        expect(await world.statusOf(orderId)).to.equal("confirmed");
        expect(await world.query(`SELECT total FROM "order".orders WHERE id = $1`, [orderId])).to.deep.equal([{ total: 2 * 8999 }]);
    });
});

describe("order invariants: a charged order that can no longer be completed", () => {
    let world: FaultWorld;
    after(() => world?.stop());

    it("a retry after the customer's address is gone gives the stock back and refunds the charge (was: rejected, still charged)", async () => {
        world = await FaultWorld.start();
        const order = await world.startOrder(noSweep);
        world.faults.set("charge", { kind: "lose" });
        const pending = await post(`${order.url}/api/orders`, line("7", 2499), as1("gone"));
        expect(pending.status).to.equal(503);
        world.faults.delete("charge");
        await world.query("UPDATE \"user\".users SET address = NULL WHERE id = '1'");
        try {
            const retried = await post(`${order.url}/api/orders`, line("7", 2499), as1("gone"));
            expect(retried.status).to.equal(422);
            expect(await world.query("SELECT status FROM payment.payments WHERE order_id = $1", [pending.body.details.orderId])).to.deep.equal([{ status: "refunded" }]);
            expect(await world.violations()).to.deep.equal([]);
        } finally {
            await world.query("UPDATE \"user\".users SET address = '1 Example Street, 1000 Brussels, BE' WHERE id = '1'");
        }
    });
});

describe("order invariants: keys", () => {
    let world: FaultWorld;
    let orderUrl: string;
    before(async () => {
        world = await FaultWorld.start();
        orderUrl = (await world.startOrder(noSweep)).url;
        await world.startOrder(noSweep);
    });
    afterEach(async () => expect(await world.violations()).to.deep.equal([]));
    after(() => world?.stop());

    it("no Idempotency-Key: 400 and nothing stored or charged (was: a made-up key, so a retry charged twice)", async () => {
        const answer = await post(`${orderUrl}/api/orders`, line("1", 999), asUser("1"));
        expect(answer.status).to.equal(400);
        expect(answer.body.error).to.match(/Idempotency-Key/);
        expect(await world.query(`SELECT id FROM "order".orders`)).to.deep.equal([]);
        expect(world.calls.get("charge") ?? 0).to.equal(0);
    });

    it("another customer's key is a key of their own: their order, never the first customer's id (was: 422 with it)", async () => {
        const profile = await post(`${world.stack.url("user")}/api/users`, { name: "Bo", email: "bo@example.com", address: "2 Road" }, asUser("2"));
        expect(profile.status).to.equal(201);
        const mine = await post(`${orderUrl}/api/orders`, line("1", 999), as1("shared-key"));
        const theirs = await post(`${orderUrl}/api/orders`, { userId: "2", items: [{ productId: "1", price: 999, quantity: 1 }] }, { ...asUser("2"), "idempotency-key": "shared-key" });
        expect([mine.status, theirs.status]).to.deep.equal([201, 201]);
        expect(theirs.body.orderId).to.not.equal(mine.body.orderId);
        expect(JSON.stringify(theirs.body)).to.not.include(mine.body.orderId);
    });

    it("concurrent retries of one key on two replicas: one order, one charge", async () => {
        const replicas = world.orders.map((replica) => replica.url);
        const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => post(`${replicas[i % 2]}/api/orders`, line("2", 3499), as1("burst"))));
        expect(answers.map((answer) => answer.status).filter((status) => status !== 201 && status !== 409)).to.deep.equal([]);
        const orders = await world.query(`SELECT id FROM "order".orders WHERE idempotency_key = 'burst'`);
        expect(orders).to.have.length(1);
        expect(await world.query("SELECT id FROM payment.payments WHERE order_id = $1", [orders[0].id])).to.have.length(1);
    });

    it("a product priced in another currency is refused, not charged in EUR (was: 201 charged in EUR)", async () => {
        await world.query("UPDATE product.products SET currency = 'USD' WHERE id = '8'");
        await until(async () => (await get(`${world.stack.url("product")}/api/products/8`)).body.product.currency === "USD", "product 8 in USD");
        const answer = await post(`${orderUrl}/api/orders`, line("8", 2799), as1("dollars"));
        expect(answer.status).to.equal(422);
        expect(answer.body.details).to.deep.equal({ productId: "8", currency: "USD" });
        expect(await world.query(`SELECT p.id FROM payment.payments p JOIN "order".orders o ON o.id = p.order_id WHERE o.idempotency_key = 'dollars'`)).to.deep.equal([]);
    });

    it("a shipped order's stock cannot be released (was: the release route handed it back)", async () => {
        const placed = await post(`${orderUrl}/api/orders`, line("4", 1299), as1("shipped"));
        expect(placed.status).to.equal(201);
        const release = await del(`${world.stack.url("inventory")}/api/inventory/reservations/${placed.body.orderId}`);
        expect(release.status).to.equal(409);
        expect((await world.query(`SELECT consumed_at IS NOT NULL AS consumed FROM inventory.reservations WHERE order_id = $1`, [placed.body.orderId]))[0]).to.deep.equal({ consumed: true });
    });
});

describe("order invariants: leases have an owner", () => {
    let world: FaultWorld;
    let db: pg.Pool;
    before(async () => {
        world = await FaultWorld.start();
        await world.startOrder(noSweep); // migrates the order schema
        db = new pg.Pool({ connectionString: world.databaseUrl, options: "-c search_path=order" });
    });
    after(async () => {
        await db?.end();
        await world?.stop();
    });

    it("a worker whose lease ran out and was taken over can neither renew, release nor finish the order (was: it overwrote confirmed)", async () => {
        const request = line("1", 999);
        const late = await store.claimOrder(db, "late", "hash", request, 60_000);
        if (late.kind !== "work") throw new Error(`expected work, got ${late.kind}`);
        await db.query("UPDATE orders SET lease_until = now() - interval '1 second' WHERE id = $1", [late.lease.orderId]);
        const retry = await store.claimOrder(db, "late", "hash", request, 60_000);
        if (retry.kind !== "work") throw new Error(`expected work, got ${retry.kind}`);

        const rejected = { status: "rejected" as const, answer: { status: 409, body: {} } };
        await store.releaseLease(db, late.lease);
        expect((await db.query("SELECT lease_owner FROM orders WHERE id = $1", [retry.lease.orderId])).rows[0].lease_owner).to.equal(retry.lease.token);
        let lost: unknown;
        await store.renewLease(db, late.lease, 60_000).catch((error) => (lost = error));
        expect(lost).to.be.instanceOf(store.LeaseLost);
        expect(await store.finishOrder(db, retry.lease, { status: "confirmed", answer: { status: 201, body: {} } })).to.equal(true);
        expect(await store.finishOrder(db, late.lease, rejected)).to.equal(false);
        expect(await world.statusOf(retry.lease.orderId)).to.equal("confirmed");
    });
});

describe("order invariants: order killed after each step, then a restart", function () {
    // Each order replica here is its own process (from its sources), so it can be SIGKILLed.
    this.timeout(240_000);
    let world: FaultWorld;
    before(async () => (world = await FaultWorld.start()));
    after(() => world?.stop());

    const steps: Step[] = ["reserve", "charge", "ship", "consume"];
    it(`kills order right after ${steps.join(", ")}: the restarted replica finishes each order within 2 leases, invariants hold`, async () => {
        // The lease is 2 x DOWNSTREAM_TIMEOUT_MS (2 s): a dead worker's order is free after it.
        const env = { ...fast, ORDER_SWEEP_INTERVAL_MS: "100", ORDER_SWEEP_AGE_MS: "0" };
        let current = await world.spawnOrder(env);
        for (const step of steps) {
            const victim = current;
            world.faults.set(step, { kind: "after", run: () => victim.kill() });
            const key = `kill-${step}`;
            const lost = await post(`${victim.url}/api/orders`, line("5", 499, 2), as1(key)).catch((error: Error) => error);
            expect(lost, `order answered after the kill at ${step}`).to.be.instanceOf(Error);
            world.faults.delete(step);
            const started = Date.now();
            current = await world.spawnOrder(env);
            await world.settled(4_000 + (Date.now() - started));
            const [order] = await world.query(`SELECT status FROM "order".orders WHERE idempotency_key = $1`, [key]);
            expect(order.status, `after a kill at ${step}`).to.equal("confirmed");
            expect(await world.violations(), `after a kill at ${step}`).to.deep.equal([]);
        }
        await current.kill();
    });
});

describe("order invariants: a charge whose answer is always lost", () => {
    let world: FaultWorld;
    before(async () => (world = await FaultWorld.start()));
    after(() => world?.stop());

    it("after ORDER_SWEEP_MAX_ATTEMPTS sweeps the order is failed, its charge refunded and its stock back (was: pending forever)", async () => {
        world.faults.set("charge", { kind: "lose" });
        const order = await world.startOrder({ ...sweeping, ORDER_SWEEP_MAX_ATTEMPTS: "2" });
        const pending = await post(`${order.url}/api/orders`, line("6", 1999), as1(randomUUID()));
        expect(pending.status).to.equal(503);
        await world.settled();
        const orderId = pending.body.details.orderId;
        expect(await world.statusOf(orderId)).to.equal("failed");
        expect(await world.query("SELECT status FROM payment.payments WHERE order_id = $1", [orderId])).to.deep.equal([{ status: "refunded" }]);
        // The charge key is given up: a late charge under it never succeeds.
        const late = await post(`${world.stack.url("payment")}/api/payments`, { orderId, amount: 1999, currency: "EUR" }, { "idempotency-key": `order-${orderId}` });
        expect(late.status).to.equal(409);
        expect(late.body.error).to.equal("payment was refunded");
        world.faults.delete("charge");
        await sleep(300);
        expect(await world.violations()).to.deep.equal([]);
    });
});

describe("order invariants: an order abandoned after it was paid and shipped", () => {
    let world: FaultWorld;
    before(async () => (world = await FaultWorld.start()));
    after(() => world?.stop());

    it("is completed, not refunded behind its shipment (was: pending for good)", async () => {
        world.faults.set("consume", { kind: "lose" });
        const order = await world.startOrder({ ...sweeping, ORDER_SWEEP_MAX_ATTEMPTS: "1" });
        const pending = await post(`${order.url}/api/orders`, line("9", 1899), as1("sold"));
        expect(pending.status).to.equal(502);
        world.faults.delete("consume");
        // Out of sweeps: the next one abandons it, finds its stock sold, and completes it instead.
        await world.query(`UPDATE "order".orders SET sweep_attempts = 1 WHERE idempotency_key = 'sold'`);
        await world.settled();
        const [row] = await world.query(`SELECT status FROM "order".orders WHERE idempotency_key = 'sold'`);
        expect(row.status).to.equal("confirmed");
        expect(await world.violations()).to.deep.equal([]);
    });
});

describe("order invariants: an order whose stock could not be marked sold", () => {
    let world: FaultWorld;
    before(async () => (world = await FaultWorld.start()));
    after(() => world?.stop());

    it("is abandoned with nothing shipped and its charge refunded (was: refunded behind its shipment, the stock back on sale)", async () => {
        // consume never runs: the order was charged, and shipping it first would leave a shipment behind the refund.
        world.faults.set("consume", { kind: "fail" });
        const order = await world.startOrder({ ...sweeping, ORDER_SWEEP_MAX_ATTEMPTS: "1" });
        const pending = await post(`${order.url}/api/orders`, line("9", 1899), as1("unsold"));
        expect(pending.status).to.equal(502);
        await world.query(`UPDATE "order".orders SET sweep_attempts = 1 WHERE idempotency_key = 'unsold'`);
        await world.settled();
        const [row] = await world.query(`SELECT id, status FROM "order".orders WHERE idempotency_key = 'unsold'`);
        expect(row.status).to.equal("failed");
        expect(await world.query("SELECT status FROM payment.payments WHERE order_id = $1", [row.id])).to.deep.equal([{ status: "refunded" }]);
        expect(await world.query("SELECT order_id FROM shipping.shipments WHERE order_id = $1", [row.id])).to.deep.equal([]);
        world.faults.delete("consume");
        expect(await world.violations()).to.deep.equal([]);
    });
});

describe("order invariants: payment refunds", () => {
    let world: FaultWorld;
    before(async () => (world = await FaultWorld.start()));
    after(() => world?.stop());

    it("voids a key nothing was charged under, so a charge arriving later under it is refused; a repeat answers the same", async () => {
        const payments = world.stack.url("payment");
        const body = { orderId: "o-void", amount: 500, currency: "EUR" };
        const key = { "idempotency-key": "order-o-void" };
        const voided = await post(`${payments}/api/payments/refunds`, body, key);
        expect([voided.status, voided.body.status]).to.deep.equal([200, "voided"]);
        expect((await post(`${payments}/api/payments/refunds`, body, key)).body.status).to.equal("voided");
        const late = await post(`${payments}/api/payments`, body, key);
        expect([late.status, late.body.error]).to.deep.equal([409, "payment was voided"]);
        expect(await world.query("SELECT status FROM payment.payments WHERE order_id = 'o-void'")).to.deep.equal([{ status: "voided" }]);
    });
});

describe("order invariants: the README", () => {
    it("lists exactly the invariants the harness checks", () => {
        const readme = readFileSync(join(__dirname, "../README.md"), "utf8");
        const section = readme.split("### Money invariants")[1].split("\n## ")[0];
        const bullets = section.split("\n").filter((text) => text.startsWith("- ")).map((text) => text.slice(2).replace(/[;.]$/, ""));
        expect(bullets).to.deep.equal(Object.keys(invariantChecks));
    });
});
