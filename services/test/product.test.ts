import { expect } from "chai";
import { createTestDatabase } from "./support/database";
import { asUser, get, post } from "./support/http";
import { startStack, type TestStack } from "./support/services";

describe("product service", () => {
    let v1: TestStack;
    let v2: TestStack;

    before(async () => {
        const { url } = await createTestDatabase();
        // v1 and v2 share one schema, as they do during a canary rollout.
        v1 = await startStack(url, ["product"]);
        v2 = await startStack(url, ["product"], { SERVICE_VERSION: "v2" });
    });
    after(async () => {
        await v1?.stop();
        await v2?.stop();
    });

    it("lists the seeded catalogue of at least 12 products, product 1 at 999", async () => {
        const answer = await get(`${v1.url("product")}/api/products`);
        expect(answer.status).to.equal(200);
        expect(answer.body.version).to.equal("v1");
        expect(answer.body.products).to.have.length.of.at.least(12);
        expect(answer.body.products[0]).to.deep.include({ id: "1", price: 999, currency: "EUR" });
        expect(answer.headers.get("x-service-version")).to.equal("v1");
    });

    it("v1 shows no ratings; v2 adds a rating summary to every product", async () => {
        const plain = await get(`${v1.url("product")}/api/products/1`);
        expect(plain.body.product).to.not.have.property("rating");
        const rated = await get(`${v2.url("product")}/api/products/1`);
        expect(rated.status).to.equal(200);
        expect(rated.body.version).to.equal("v2");
        expect(rated.headers.get("x-service-version")).to.equal("v2");
        expect(rated.body.product).to.deep.include({ id: "1", price: 999 });
        expect(rated.body.product.rating).to.deep.equal({ average: 4.5, count: 2 });
        const list = await get(`${v2.url("product")}/api/products`);
        expect(list.body.products.every((p: { rating?: unknown }) => p.rating !== undefined)).to.equal(true);
    });

    it("answers 404 with a JSON error for an unknown product", async () => {
        const answer = await get(`${v1.url("product")}/api/products/999`);
        expect(answer.status).to.equal(404);
        expect(answer.body).to.deep.equal({ error: "product not found", details: { id: "999" } });
    });

    it("v2 lists and adds ratings; v1 does not have the ratings routes", async () => {
        const added = await post(`${v2.url("product")}/api/products/3/ratings`, { stars: 2, comment: "noisy" }, asUser("u1"));
        expect(added.status).to.equal(201);
        expect(added.body.rating).to.deep.include({ productId: "3", stars: 2, comment: "noisy" });
        const ratings = await get(`${v2.url("product")}/api/products/3/ratings`);
        expect(ratings.body.ratings.map((r: { stars: number }) => r.stars)).to.deep.equal([4, 2]);
        const product = await get(`${v2.url("product")}/api/products/3`);
        expect(product.body.product.rating).to.deep.equal({ average: 3, count: 2 });
        expect((await get(`${v1.url("product")}/api/products/3/ratings`)).status).to.equal(404);
    });

    it("rejects a rating outside 1..5 with 400 and the offending field", async () => {
        const answer = await post(`${v2.url("product")}/api/products/3/ratings`, { stars: 6 }, asUser("u1"));
        expect(answer.status).to.equal(400);
        expect(answer.body.details[0].path).to.equal("stars");
    });
});
