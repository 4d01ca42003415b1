// issue 25, item 6: every rating reloaded the whole catalogue on every replica, with an
// aggregate over all ratings, so its cost grew with the ratings ever written. Now a trigger
// keeps per-product totals and notifies the product rated; replicas rebuild that product alone.
import { expect } from "chai";
import type { RunningService } from "../src/index";
import { createTestDatabase, queryDatabase } from "./support/database";
import { asUser, get, post } from "./support/http";
import { startStack, type TestStack } from "./support/services";
import { eventually } from "./support/eventually";

/** Every SQL text `service` sends through its pool from now on. */
function recordQueries(service: RunningService): string[] {
    const seen: string[] = [];
    const pool = service.db.pool;
    const query = pool.query.bind(pool);
    pool.query = ((...args: Parameters<typeof pool.query>) => {
        const text = args[0];
        seen.push(typeof text === "string" ? text : (text as { text: string }).text);
        return (query as (...a: unknown[]) => unknown)(...args);
    }) as typeof pool.query;
    return seen;
}

describe("ratings: per-product totals, and a rating rebuilds only its product", () => {
    let databaseUrl: string;
    let writer: TestStack;
    let reader: TestStack;
    const totals = () => queryDatabase(databaseUrl, "SELECT product_id, count, stars::int FROM product.rating_totals ORDER BY product_id");
    const aggregate = () =>
        queryDatabase(databaseUrl, "SELECT product_id, count(*)::int AS count, sum(stars)::int AS stars FROM product.ratings GROUP BY product_id ORDER BY product_id");

    before(async () => {
        databaseUrl = (await createTestDatabase()).url;
        writer = await startStack(databaseUrl, ["product"], { SERVICE_VERSION: "v2" });
        reader = await startStack(databaseUrl, ["product"], { SERVICE_VERSION: "v2" });
    });
    after(async () => Promise.all([writer, reader].map((stack) => stack?.stop())));

    it("another replica reads product 7 alone after its rating, never the catalogue or the ratings table (was: the whole catalogue with avg over all ratings)", async () => {
        const before = await get(`${reader.url("product")}/api/products/7`);
        expect(before.body.product.rating).to.deep.equal({ average: 5, count: 1 });
        const sent = recordQueries(reader.service("product"));
        // A reload the writer's start set off may still be running on the reader: wait until
        // 300 ms pass without a query, then count only what the rating causes.
        for (let seen = -1, deadline = Date.now() + 10_000; seen !== sent.length && Date.now() < deadline; ) {
            seen = sent.length;
            await new Promise((resolve) => setTimeout(resolve, 300));
        }
        // The copy must be in hand before the rating: on a busy machine the reader may still be
        // without one (a LISTEN reconnect drops it, and the next read loads the whole catalogue).
        const pings = (sql: string) => /^\s*SELECT 1\s*$/.test(sql);
        await eventually(async () => {
            sent.length = 0;
            await get(`${reader.url("product")}/api/products/7`);
            expect(sent.filter((sql) => !pings(sql)), "product 7 served from the reader's copy").to.deep.equal([]);
        }, 15_000);
        sent.length = 0;
        expect((await post(`${writer.url("product")}/api/products/7/ratings`, { stars: 2 }, asUser("1"))).status).to.equal(201);
        await eventually(async () => {
            expect((await get(`${reader.url("product")}/api/products/7`)).body.product.rating).to.deep.equal({ average: 3.5, count: 2 });
        });
        const list = await get(`${reader.url("product")}/api/products`);
        expect(list.body.products.find((p: { id: string }) => p.id === "7").rating).to.deep.equal({ average: 3.5, count: 2 });
        const reads = sent.filter((sql) => !pings(sql)); // the readiness ping aside
        expect(reads).to.have.length(1);
        expect(reads[0]).to.match(/FROM products p LEFT JOIN rating_totals t ON t.product_id = p.id WHERE p.id = \$1/);
        expect(reads.join("\n")).to.not.match(/\bratings\b/);
    });

    it("keeps the totals equal to the ratings through inserts, concurrent ones too, moves, deletes and a truncate", async () => {
        await Promise.all(Array.from({ length: 20 }, (_, i) => post(`${writer.url("product")}/api/products/9/ratings`, { stars: (i % 5) + 1 }, asUser(`u${i}`))));
        await queryDatabase(databaseUrl, "INSERT INTO product.ratings (product_id, stars) SELECT '10', 1 + n % 5 FROM generate_series(1, 2000) AS n");
        await queryDatabase(databaseUrl, "UPDATE product.ratings SET product_id = '11' WHERE id IN (SELECT id FROM product.ratings WHERE product_id = '10' LIMIT 300)");
        await queryDatabase(databaseUrl, "DELETE FROM product.ratings WHERE product_id = '1'");
        const expected = (await aggregate()).map((row) => ({ ...row }));
        const kept = (await totals()).filter((row) => row.count > 0);
        expect(kept).to.deep.equal(expected);
        expect(expected.find((row) => row.product_id === "9")).to.deep.equal({ product_id: "9", count: 20, stars: 60 });
        await eventually(async () => {
            expect((await get(`${reader.url("product")}/api/products/1`)).body.product.rating).to.deep.equal({ average: null, count: 0 });
            expect((await get(`${reader.url("product")}/api/products/11`)).body.product.rating.count).to.equal(300);
        });
        await queryDatabase(databaseUrl, "TRUNCATE product.ratings");
        expect(await totals()).to.deep.equal([]);
        await eventually(async () => {
            expect((await get(`${reader.url("product")}/api/products/9`)).body.product.rating).to.deep.equal({ average: null, count: 0 });
        });
    });
});
