// The catalogue is served from each replica's snapshot: a write on one replica (or by hand in
// SQL) reaches every other replica through LISTEN/NOTIFY, and clients revalidate with ETags.
import { expect } from "chai";
import { createTestDatabase, queryDatabase } from "./support/database";
import { get, post, asUser } from "./support/http";
import { startStack, type TestStack } from "./support/services";
import { eventually } from "./support/eventually";

describe("catalogue snapshot", () => {
    let databaseUrl: string;
    let v1: TestStack;
    let v2a: TestStack;
    let v2b: TestStack;

    before(async () => {
        databaseUrl = (await createTestDatabase()).url;
        v1 = await startStack(databaseUrl, ["product"]);
        // Two replicas of v2 on one database, as in a deployment with replicas: 2.
        v2a = await startStack(databaseUrl, ["product"], { SERVICE_VERSION: "v2" });
        v2b = await startStack(databaseUrl, ["product"], { SERVICE_VERSION: "v2" });
    });
    after(async () => {
        await Promise.all([v1, v2a, v2b].map((stack) => stack?.stop()));
    });

    it("sends an ETag with no-cache and answers 304 to a matching If-None-Match", async () => {
        const first = await get(`${v1.url("product")}/api/products`);
        const etag = first.headers.get("etag")!;
        expect(etag).to.match(/^"[\w-]+"$/);
        expect(first.headers.get("cache-control")).to.equal("no-cache");
        expect(first.headers.get("content-type")).to.equal("application/json; charset=utf-8");
        const again = await get(`${v1.url("product")}/api/products`, { "if-none-match": etag });
        expect(again.status).to.equal(304);
        expect(again.body).to.equal(undefined);
        expect(again.headers.get("etag")).to.equal(etag);
        const stale = await get(`${v1.url("product")}/api/products`, { "if-none-match": '"something-else"' });
        expect(stale.status).to.equal(200);
        expect(stale.body.products).to.have.length.of.at.least(12);
        const one = await get(`${v1.url("product")}/api/products/2`);
        expect(one.headers.get("etag")).to.not.equal(etag);
        expect((await get(`${v1.url("product")}/api/products/2`, { "if-none-match": one.headers.get("etag")! })).status).to.equal(304);
    });

    it("gives v1 and v2 different ETags for the same path", async () => {
        const plain = await get(`${v1.url("product")}/api/products/1`);
        const rated = await get(`${v2a.url("product")}/api/products/1`);
        expect(plain.headers.get("etag")).to.not.equal(rated.headers.get("etag"));
    });

    it("shows a rating added on one replica on another replica's next read", async () => {
        const before = await get(`${v2b.url("product")}/api/products/5`);
        expect(before.body.product.rating).to.deep.equal({ average: null, count: 0 });
        const added = await post(`${v2a.url("product")}/api/products/5/ratings`, { stars: 4 }, asUser("1"));
        expect(added.status).to.equal(201);
        await eventually(async () => {
            const after = await get(`${v2b.url("product")}/api/products/5`, { "if-none-match": before.headers.get("etag")! });
            expect(after.status).to.equal(200);
            expect(after.body.product.rating).to.deep.equal({ average: 4, count: 1 });
        });
        const list = await get(`${v2b.url("product")}/api/products`);
        expect(list.body.products.find((p: { id: string }) => p.id === "5").rating).to.deep.equal({ average: 4, count: 1 });
    });

    it("shows a price changed in SQL, outside any service, on every replica", async () => {
        expect((await get(`${v1.url("product")}/api/products/6`)).body.product.price).to.not.equal(4242);
        await queryDatabase(databaseUrl, "UPDATE product.products SET price = 4242 WHERE id = '6'");
        for (const stack of [v1, v2a, v2b]) {
            await eventually(async () => {
                expect((await get(`${stack.url("product")}/api/products/6`)).body.product.price).to.equal(4242);
            });
        }
    });
});
