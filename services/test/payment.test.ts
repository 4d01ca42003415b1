import { expect } from "chai";
import { createTestDatabase, queryDatabase } from "./support/database";
import { post } from "./support/http";
import { startStack, type TestStack } from "./support/services";

describe("payment service", () => {
    let stack: TestStack;
    let declining: TestStack;
    let outage: TestStack;
    let databaseUrl: string;
    const charge = (base: string, key: string | undefined, body: unknown) =>
        post(`${base}/api/payments`, body, key === undefined ? {} : { "idempotency-key": key });
    const chargesFor = async (key: string) =>
        (await queryDatabase(databaseUrl, "SELECT count(*)::int AS n FROM payment.payments WHERE idempotency_key = $1", [key]))[0].n;

    before(async () => {
        databaseUrl = (await createTestDatabase()).url;
        stack = await startStack(databaseUrl, ["payment"]);
        declining = await startStack(databaseUrl, ["payment"], { PAYMENT_FAILURE_RATE: "1" });
        outage = await startStack(databaseUrl, ["payment"], { PAYMENT_OUTAGE_RATE: "1" });
    });
    after(async () => {
        await stack?.stop();
        await declining?.stop();
        await outage?.stop();
    });

    it("requires an Idempotency-Key header (400)", async () => {
        const answer = await charge(stack.url("payment"), undefined, { orderId: "o1", amount: 999, currency: "EUR" });
        expect(answer.status).to.equal(400);
        expect(answer.body.error).to.equal("invalid Idempotency-Key header");
    });

    it("charges once and replays the same payment for the same key", async () => {
        const body = { orderId: "o2", amount: 1998, currency: "EUR" };
        const first = await charge(stack.url("payment"), "key-o2", body);
        expect(first.status).to.equal(201);
        expect(first.body).to.include({ orderId: "o2", amount: 1998, status: "succeeded" });
        expect(first.body).to.not.have.property("requestHash");
        const again = await charge(stack.url("payment"), "key-o2", body);
        expect(again.status).to.equal(201);
        expect(again.body.paymentId).to.equal(first.body.paymentId);
        expect(again.headers.get("idempotent-replayed")).to.equal("true");
        expect(await chargesFor("key-o2")).to.equal(1);
    });

    it("refuses a reused key with a different body (422) and charges nothing more", async () => {
        await charge(stack.url("payment"), "key-o3", { orderId: "o3", amount: 500, currency: "EUR" });
        const answer = await charge(stack.url("payment"), "key-o3", { orderId: "o3", amount: 501, currency: "EUR" });
        expect(answer.status).to.equal(422);
        expect(await chargesFor("key-o3")).to.equal(1);
    });

    it("charges once when 25 requests with the same key arrive at the same time", async () => {
        const body = { orderId: "o4", amount: 999, currency: "EUR" };
        const answers = await Promise.all(Array.from({ length: 25 }, () => charge(stack.url("payment"), "key-o4", body)));
        expect(answers.map((a) => a.status)).to.deep.equal(Array(25).fill(201));
        expect(new Set(answers.map((a) => a.body.paymentId)).size).to.equal(1);
        expect(await chargesFor("key-o4")).to.equal(1);
    });

    it("a simulated decline answers 402, is recorded under the key and replayed: a decline is final", async () => {
        const body = { orderId: "o5", amount: 999, currency: "EUR" };
        const declined = await charge(declining.url("payment"), "key-o5", body);
        expect(declined.status).to.equal(402);
        expect(declined.body).to.deep.include({ error: "payment declined" });
        expect(declined.body.details).to.include({ orderId: "o5", status: "declined", reason: "card_declined" });
        const retried = await charge(stack.url("payment"), "key-o5", body);
        expect(retried.status).to.equal(402);
        expect(retried.headers.get("idempotent-replayed")).to.equal("true");
        expect(await chargesFor("key-o5")).to.equal(1);
    });

    it("a simulated outage answers 503 with Retry-After and records nothing, so a retry can still succeed", async () => {
        const body = { orderId: "o6", amount: 999, currency: "EUR" };
        const down = await charge(outage.url("payment"), "key-o6", body);
        expect(down.status).to.equal(503);
        expect(down.headers.get("retry-after")).to.equal("1");
        expect(down.body).to.deep.equal({ error: "payment provider unavailable, retry later", details: { orderId: "o6" } });
        expect(await chargesFor("key-o6")).to.equal(0);
        const retried = await charge(stack.url("payment"), "key-o6", body);
        expect(retried.status).to.equal(201);
        expect(await chargesFor("key-o6")).to.equal(1);
    });
});
