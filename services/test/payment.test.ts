import { expect } from "chai";
import { createTestDatabase, queryDatabase } from "./support/database";
import { post } from "./support/http";
import { startStack, type TestStack } from "./support/services";

describe("payment service", () => {
    let stack: TestStack;
    let declining: TestStack;
    let databaseUrl: string;
    const charge = (base: string, key: string | undefined, body: unknown) =>
        post(`${base}/api/payments`, body, key === undefined ? {} : { "idempotency-key": key });
    const chargesFor = async (key: string) =>
        (await queryDatabase(databaseUrl, "SELECT count(*)::int AS n FROM payment.payments WHERE idempotency_key = $1", [key]))[0].n;

    before(async () => {
        databaseUrl = (await createTestDatabase()).url;
        stack = await startStack(databaseUrl, ["payment"]);
        declining = await startStack(databaseUrl, ["payment"], { PAYMENT_FAILURE_RATE: "1" });
    });
    after(async () => {
        await stack?.stop();
        await declining?.stop();
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

    it("a simulated decline answers 503 and records no charge, so a retry can still succeed", async () => {
        const body = { orderId: "o5", amount: 999, currency: "EUR" };
        const declined = await charge(declining.url("payment"), "key-o5", body);
        expect(declined.status).to.equal(503);
        expect(await chargesFor("key-o5")).to.equal(0);
        const retried = await charge(stack.url("payment"), "key-o5", body);
        expect(retried.status).to.equal(201);
        expect(await chargesFor("key-o5")).to.equal(1);
    });
});
