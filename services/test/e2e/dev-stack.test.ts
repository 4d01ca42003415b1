// The `npm run dev` topology for real: every service as its own process (product v1 and
// v2), wired through the router, on a test database. Checked with the order flow and a
// short load generator run.
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import type { RunningStack } from "../../dev/stack";
import { runLoad } from "../../loadgen/run";
import { createTestDatabase } from "../support/database";
import { get, post } from "../support/http";
import { stackFromSources, startupTimeoutMs } from "./from-sources";

describe("dev stack: all services behind the router", function () {
    let stack: RunningStack;
    let base: string;

    before(async function () {
        this.timeout(startupTimeoutMs);
        const database = await createTestDatabase();
        stack = await stackFromSources({
            databaseUrl: database.url,
        });
        base = stack.routerUrl;
    });

    after(async function () {
        this.timeout(60_000);
        // Every service must drain and exit 0 on SIGTERM.
        if (stack) expect(await stack.stop(), "all services exited cleanly").to.equal(true);
    });

    it("runs eight services as nine processes, product in both versions", () => {
        expect(stack.instances.map(({ service, version }) => `${service}@${version}`)).to.have.members([
            "product@v1", "product@v2", "cart@v1", "order@v1", "payment@v1", "user@v1", "inventory@v1", "shipping@v1", "notification@v1",
        ]);
        expect(new Set(stack.instances.map(({ child }) => child.pid)).size).to.equal(9);
    });

    it("pins product versions with the x-version header", async () => {
        for (const version of ["v1", "v2"]) {
            const answer = await get(`${base}/api/products`, { "x-version": version });
            expect(answer.status).to.equal(200);
            expect(answer.headers.get("x-service-version")).to.equal(version);
            expect(answer.body.version).to.equal(version);
        }
    });

    it("serves ratings, which only v2 has, on 100 of 100 tries, x-version: v1 included", async () => {
        const statuses: number[] = [];
        for (let i = 0; i < 100; i++) {
            const answer = await get(`${base}/api/products/1/ratings`, i % 4 === 0 ? { "x-version": "v1" } : {});
            statuses.push(answer.status);
            expect(answer.headers.get("x-service-version")).to.equal("v2");
        }
        expect(statuses.filter((status) => status === 200)).to.have.length(100);
    });

    it("answers HEAD wherever GET is routed (Istio matches methods exactly; so does the router)", async () => {
        const head = await fetch(`${base}/api/products/1`, { method: "HEAD" });
        expect(head.status).to.equal(200);
        expect((await fetch(`${base}/api/products/1`, { method: "PATCH" })).status).to.be.oneOf([403, 404, 405]);
    });

    it("places an order through the router: confirmed, readable, stock taken, replay-safe", async () => {
        const stockBefore = (await get(`${base}/api/inventory/1`)).body.available as number;
        const key = { "idempotency-key": randomUUID(), authorization: `Bearer ${await stack.issuer.mint("1")}` };
        const order = { userId: "1", items: [{ productId: "1", price: 999, quantity: 2 }] };

        const placed = await post(`${base}/api/orders`, order, key);
        expect(placed.status, JSON.stringify(placed.body)).to.equal(201);
        expect(placed.body).to.include({ status: "confirmed", total: 1998 });
        expect(placed.body.paymentId).to.be.a("string");
        expect(placed.body.trackingId).to.be.a("string");

        const read = await get(`${base}/api/orders/${placed.body.orderId}`, { authorization: key.authorization });
        expect(read.status).to.equal(200);
        expect(read.body).to.include({ status: "confirmed" });

        expect((await get(`${base}/api/inventory/1`)).body.available).to.equal(stockBefore - 2);

        const replay = await post(`${base}/api/orders`, order, key);
        expect(replay.body.orderId).to.equal(placed.body.orderId);
        expect((await get(`${base}/api/inventory/1`)).body.available).to.equal(stockBefore - 2);
    });

    it("answers 404 JSON for a path the ingress does not route", async () => {
        const answer = await get(`${base}/api/warehouse`);
        expect(answer.status).to.equal(404);
        expect(answer.body).to.deep.equal({ error: "not found", details: { method: "GET", path: "/api/warehouse" } });
    });

    it("takes a short load generator run with real counts on every route", async function () {
        this.timeout(30_000);
        const { stats } = await runLoad({ target: base, durationSeconds: 3, users: 4 }, { mintToken: (subject) => stack.issuer.mint(subject) });
        expect(stats.requests).to.be.greaterThan(50);
        for (const route of ["GET /api/products", "GET /api/products/:id", "GET /api/cart/:userId", "POST /api/users", "POST /api/orders"]) {
            expect(stats.routes.get(route)?.statuses.get(200) ?? stats.routes.get(route)?.statuses.get(201), route).to.be.greaterThan(0);
        }
        // Payments never fail here (PAYMENT_FAILURE_RATE=0), so every answer should be a success.
        expect(stats.errors, "errors").to.equal(0);
        const versions = [...stats.productVersions.keys()];
        expect(versions).to.include("v1");
        expect([...stats.productVersions.values()].reduce((a, b) => a + b, 0)).to.be.greaterThan(0);
    });
});
