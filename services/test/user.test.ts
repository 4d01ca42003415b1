import { expect } from "chai";
import { createTestDatabase } from "./support/database";
import { asUser, get, post } from "./support/http";
import { startStack, type TestStack } from "./support/services";

describe("user service", () => {
    let stack: TestStack;
    let base: string;

    before(async () => {
        stack = await startStack((await createTestDatabase()).url, ["user"]);
        base = stack.url("user");
    });
    after(() => stack?.stop());

    it("has the seeded user 1 with a shipping address", async () => {
        const answer = await get(`${base}/api/users/1`, asUser("1"));
        expect(answer.status).to.equal(200);
        expect(answer.body).to.include({ id: "1", email: "ada@example.com" });
        expect(answer.body.address).to.be.a("string");
    });

    it("creates the subject's profile (201), readable by that customer only", async () => {
        const created = await post(`${base}/api/users`, { name: "Grace", email: "Grace@Example.com" }, asUser("grace"));
        expect(created.status).to.equal(201);
        expect(created.body).to.deep.equal({ id: "grace", name: "Grace", email: "grace@example.com", address: null });
        const read = await get(`${base}/api/users/grace`, asUser("grace"));
        expect(read.body).to.deep.equal(created.body);
        const other = await get(`${base}/api/users/grace`, asUser("1"));
        expect(other.status).to.equal(403);
        expect(other.body.error).to.equal("this profile belongs to another customer");
        expect((await get(`${base}/api/users/grace`)).status).to.equal(401);
        expect((await post(`${base}/api/users`, { name: "Nobody", email: "nobody@example.com" })).status).to.equal(401);
    });

    it("refuses a second profile for the same subject (409)", async () => {
        const again = await post(`${base}/api/users`, { name: "Grace", email: "grace2@example.com" }, asUser("grace"));
        expect(again.status).to.equal(409);
        expect(again.body).to.deep.equal({ error: "this customer already has a profile", details: { id: "grace" } });
    });

    it("refuses a second account with the same email (409)", async () => {
        const answer = await post(`${base}/api/users`, { name: "Other", email: "grace@example.com" }, asUser("other"));
        expect(answer.status).to.equal(409);
        expect(answer.body.error).to.equal("email already registered");
    });

    it("rejects an invalid email (400) and answers 404 for an unknown id", async () => {
        expect((await post(`${base}/api/users`, { name: "X", email: "not-an-email" }, asUser("x"))).status).to.equal(400);
        expect((await get(`${base}/api/users/unknown`, asUser("unknown"))).status).to.equal(404);
    });
});
