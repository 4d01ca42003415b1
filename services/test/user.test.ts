import { expect } from "chai";
import { createTestDatabase } from "./support/database";
import { get, post } from "./support/http";
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
        const answer = await get(`${base}/api/users/1`);
        expect(answer.status).to.equal(200);
        expect(answer.body).to.include({ id: "1", email: "ada@example.com" });
        expect(answer.body.address).to.be.a("string");
    });

    it("creates a user (201) that can then be read back", async () => {
        const created = await post(`${base}/api/users`, { name: "Grace", email: "Grace@Example.com" });
        expect(created.status).to.equal(201);
        expect(created.body).to.include({ name: "Grace", email: "grace@example.com", address: null });
        const read = await get(`${base}/api/users/${created.body.id}`);
        expect(read.body).to.deep.equal(created.body);
    });

    it("refuses a second account with the same email (409)", async () => {
        const answer = await post(`${base}/api/users`, { name: "Other", email: "grace@example.com" });
        expect(answer.status).to.equal(409);
        expect(answer.body.error).to.equal("email already registered");
    });

    it("rejects an invalid email (400) and answers 404 for an unknown id", async () => {
        expect((await post(`${base}/api/users`, { name: "X", email: "not-an-email" })).status).to.equal(400);
        expect((await get(`${base}/api/users/unknown`)).status).to.equal(404);
    });
});
