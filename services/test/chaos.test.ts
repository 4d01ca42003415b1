import { expect } from "chai";
import { createTestDatabase } from "./support/database";
import { get, send } from "./support/http";
import { startStack, type TestStack } from "./support/services";

const put = (url: string, json: unknown) => send("PUT", url, { json });

/** k successes of n draws at rate p: outside mean ± 5 standard deviations has odds below 1e-6. */
function expectBinomial(k: number, n: number, p: number): void {
    const sd = Math.sqrt(n * p * (1 - p));
    expect(k, `${k} of ${n} at rate ${p}`).to.be.within(n * p - 5 * sd, n * p + 5 * sd);
}

describe("the chaos control", () => {
    let databaseUrl: string;
    before(async () => {
        databaseUrl = (await createTestDatabase()).url;
    });

    describe("with CHAOS_ENABLED unset (the stack's chaos.enabled false)", () => {
        let stack: TestStack;
        before(async () => {
            stack = await startStack(databaseUrl, ["inventory"], { CHAOS_PORT: "0" });
        });
        after(() => stack?.stop());

        it("does not exist: no listener, /chaos is 404 on the API port, and requests are left alone", async () => {
            const inventory = stack.service("inventory");
            expect(inventory.chaosUrl).to.equal(undefined);
            expect((await put(`${inventory.url}/chaos`, { errorRate: 1, ttlSeconds: 60 })).status).to.equal(404);
            expect((await get(`${inventory.url}/chaos`)).status).to.equal(404);
            const answers = await Promise.all(Array.from({ length: 20 }, () => get(`${inventory.url}/api/inventory/1`)));
            expect(answers.map((a) => a.status)).to.deep.equal(Array(20).fill(200));
            expect((await get(`${inventory.url}/metrics`)).body).not.to.include("chaos_");
        });
    });

    describe("with CHAOS_ENABLED=true", () => {
        let stack: TestStack;
        let api: string;
        let control: string;
        before(async () => {
            // HOST 0.0.0.0 as in a pod: the control still binds loopback only.
            stack = await startStack(databaseUrl, ["inventory"], { CHAOS_ENABLED: "true", CHAOS_PORT: "0", HOST: "0.0.0.0" });
            api = stack.url("inventory");
            control = `${stack.service("inventory").chaosUrl}/chaos`;
        });
        afterEach(() => send("DELETE", control));
        after(() => stack?.stop());

        it("listens on 127.0.0.1 only, never on the API port", async () => {
            expect(new URL(control).hostname).to.equal("127.0.0.1");
            expect(new URL(control).port).not.to.equal(new URL(api).port);
            expect((await put(`${api}/chaos`, { errorRate: 1, ttlSeconds: 60 })).status).to.equal(404);
        });

        it("fails its share of requests with the asked status (binomial at 0.3 over 400), and counts them", async () => {
            expect((await put(control, { errorRate: 0.3, errorAnswer: 503, ttlSeconds: 60 })).status).to.equal(200);
            const statuses: number[] = [];
            for (let i = 0; i < 400; i += 1) statuses.push((await get(`${api}/api/inventory/1`)).status);
            const failed = statuses.filter((s) => s === 503).length;
            expect(failed + statuses.filter((s) => s === 200).length).to.equal(400);
            expectBinomial(failed, 400, 0.3);
            const metrics = (await get(`${api}/metrics`)).body as string;
            expect(metrics).to.match(new RegExp(`chaos_injected_total\\{kind="status",service="inventory",version="v1"\\} ${failed}\\b`));
            expect(metrics).to.match(/chaos_active\{kind="error",service="inventory",version="v1"\} 1\b/);
            expect(metrics).to.match(/chaos_active\{kind="latency",service="inventory",version="v1"\} 0\b/);
        });

        it("resets the connection when the answer is reset", async () => {
            await put(control, { errorRate: 1, errorAnswer: "reset", ttlSeconds: 60 });
            const error = await fetch(`${api}/api/inventory/1`).then(() => undefined, (e: Error) => e);
            expect(error, "a reset, not an answer").to.be.instanceOf(Error);
        });

        it("delays only the scoped route, by the asked latency", async () => {
            // 1.5 s, so an undelayed call on a machine busy with another suite stays below it (< 1.4 s).
            await put(control, { latencyMs: 1_500, route: "GET /api/inventory/:productId", ttlSeconds: 60 });
            let started = Date.now();
            expect((await get(`${api}/api/inventory/1`)).status).to.equal(200);
            expect(Date.now() - started).to.be.within(1_490, 3_000);
            started = Date.now();
            // Another route of the same service is not slowed down (404: no such reservation).
            await send("DELETE", `${api}/api/inventory/reservations/none`);
            expect(Date.now() - started).to.be.below(1_400);
            // Health and metrics are never touched.
            started = Date.now();
            expect((await get(`${api}/health/ready`)).status).to.equal(200);
            expect(Date.now() - started).to.be.below(1_400);
        });

        it("draws a latency range between its bounds", async () => {
            await put(control, { latencyMs: 100, latencyMaxMs: 300, ttlSeconds: 60 });
            for (let i = 0; i < 5; i += 1) {
                const started = Date.now();
                await get(`${api}/api/inventory/1`);
                expect(Date.now() - started).to.be.within(95, 1_500);
            }
        });

        it("ends by itself when its time to live is over", async () => {
            await put(control, { errorRate: 1, ttlSeconds: 1 });
            expect((await get(`${api}/api/inventory/1`)).status).to.equal(500);
            expect((await get(control)).body).to.include({ active: true, remainingSeconds: 1 });
            await new Promise((resolve) => setTimeout(resolve, 1_100));
            expect((await get(`${api}/api/inventory/1`)).status).to.equal(200);
            expect((await get(control)).body).to.deep.equal({ service: "inventory", version: "v1", active: false });
            expect((await get(`${api}/metrics`)).body).to.match(/chaos_active\{kind="error",service="inventory",version="v1"\} 0\b/);
        });

        it("refuses a bad request naming the key and the allowed values", async () => {
            const route = await put(control, { errorRate: 1, route: "GET /api/products", ttlSeconds: 60 });
            expect(route.status).to.equal(400);
            expect(route.body.error).to.match(/^route: expected one of "GET \/api\/inventory\/:productId", /);
            expect((await put(control, { errorRate: 1.5, ttlSeconds: 60 })).body.error).to.equal("errorRate: expected a number from 0 to 1");
            expect((await put(control, { errorRate: 1 })).body.error).to.match(/^ttlSeconds: expected an integer from 1 to 3600/);
            expect((await put(control, { errorRate: 1, errorAnswer: 404, ttlSeconds: 5 })).body.error).to.equal('errorAnswer: expected an integer from 500 to 599, or "reset"');
            expect((await put(control, { ttlSeconds: 5 })).body.error).to.equal("errorRate: expected errorRate or latencyMs must be above 0");
        });
    });
});
