// The README's sequence under the dev edge's default rate limit: loadgen's shoppers, then
// promote's probe and verify's requests, against one router that limits per client address.
import { once } from "node:events";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { EdgeRateLimiter, rateLimitGate, type RateBudget } from "../../services/dev/ratelimit";
import { fetchFrom, shopperSource, toolSources } from "../../services/dev/source-address";
import { runLoad } from "../../services/loadgen/run";
import { expectDevRouter } from "../../tools/promote/devRouter";
import { Budget } from "../../tools/verify/client";
import { parseDuration } from "../../stacks";
import { defaultConfig } from "../../stacks/defaults";

/** npm run dev's edge as far as the limit goes: the gate it uses (keyed on the TCP peer), then a product answer. */
async function limitedRouter(budget: RateBudget): Promise<{ url: string; clients: Set<string>; server: Server }> {
    const gate = rateLimitGate(new EdgeRateLimiter(budget));
    const clients = new Set<string>();
    const server = createServer(async (req, res) => {
        clients.add(req.socket.remoteAddress ?? "");
        const reply = await gate(req);
        if (reply) return res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers }).end(JSON.stringify(reply.body));
        res.writeHead(200, { "content-type": "application/json", "x-service-version": "v1" }).end(JSON.stringify({ products: [{ id: "1", price: 999 }] }));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, clients, server };
}

describe("local tools under the dev edge's rate limit (services/dev/source-address.ts)", function () {
    this.timeout(60_000);

    it("the README's sequence with the default limit: four loadgen shoppers use up their budgets, promote's probe still finds the router", async () => {
        const { rateLimit } = defaultConfig();
        const budget = { intervalMs: parseDuration(rateLimit.interval)!, read: rateLimit.read, write: rateLimit.write };
        const router = await limitedRouter(budget);
        try {
            // Rounds of 2 s until the shoppers have spent a budget: the buckets (per shopper address)
            // carry over, so a loaded machine only takes more rounds, never a different outcome.
            let limited = 0;
            for (let round = 0; round < 8 && limited === 0; round++) {
                const { stats } = await runLoad({ target: router.url, durationSeconds: 2, users: 4 });
                limited = [...stats.routes.values()].reduce((sum, route) => sum + (route.statuses.get(429) ?? 0), 0);
            }
            expect(limited, "the shoppers ran into the limit").to.be.greaterThan(0);
            // Before: every tool came from 127.0.0.1, the probe got the shoppers' 429 and promote exited 2.
            const said: string[] = [];
            await expectDevRouter(router.url, (line) => said.push(line));
            expect(said).to.deep.equal([]);
            expect([...router.clients].sort()).to.deep.equal([toolSources.promote, ...[0, 1, 2, 3].map(shopperSource)].sort());
        } finally {
            router.server.close();
        }
    });

    it("promote takes its own 429 as the router answering: it waits Retry-After, says so, and goes on", async () => {
        const router = await limitedRouter({ intervalMs: 1_000, read: 1, write: 1 });
        try {
            const sourced = await fetchFrom(router.url, toolSources.promote);
            await sourced.fetch(`${router.url}/api/products`).then((r) => r.arrayBuffer()); // promote's one read this second
            const said: string[] = [];
            await expectDevRouter(router.url, (line) => said.push(line));
            expect(said).to.have.length(1);
            expect(said[0]).to.equal(`${router.url} answered 429 (the router's rate limit for ${toolSources.promote}): waiting Retry-After 1 s`);
        } finally {
            router.server.close();
        }
    });

    it("a shopper waits Retry-After after a 429 instead of spinning on the limit", async () => {
        const router = await limitedRouter({ intervalMs: 60_000, read: 2, write: 2 });
        try {
            const { stats } = await runLoad({ target: router.url, durationSeconds: 1, users: 1 });
            // Catalogue + sign-up + one more before the limit; then one 429, waited out to the deadline.
            expect(stats.requests).to.be.at.most(6);
        } finally {
            router.server.close();
        }
    });

    it("verify sends from its own address, so another client's used-up budget is not its own", async () => {
        const router = await limitedRouter({ intervalMs: 60_000, read: 1, write: 1 });
        try {
            await fetch(`${router.url}/api/products`).then((r) => r.arrayBuffer()); // curl, a browser: 127.0.0.1
            const verify = await fetchFrom(router.url, toolSources.verify);
            const answer = await new Budget(router.url, 1, 5_000, {}, undefined, undefined, verify.fetch).send("/api/products");
            expect(answer.status).to.equal(200);
        } finally {
            router.server.close();
        }
    });

    it("a remote target keeps the default source: only loopback literals are re-sourced", async () => {
        expect((await fetchFrom("https://shop.example.com", toolSources.verify)).source).to.equal(undefined);
        expect((await fetchFrom("http://127.0.0.1:8080", toolSources.verify)).source).to.equal(toolSources.verify);
        expect(shopperSource(0)).to.equal("127.1.0.1");
        expect(shopperSource(254)).to.equal("127.1.1.1");
        expect(() => shopperSource(254 * 256)).to.throw(RangeError, /outside 0\.\.65023/);
    });

    it("the docs state the addresses the code uses", () => {
        const readme = readFileSync(path.join(__dirname, "..", "..", "docs", "canary.md"), "utf8");
        expect(readme).to.contain(`from its own loopback address (${toolSources.promote}; verify sends from ${toolSources.verify} and loadgen's shoppers\nfrom 127.1.x.y`);
        expect(shopperSource(0)).to.match(/^127\.1\.\d+\.\d+$/);
        const services = readFileSync(path.join(__dirname, "..", "..", "services", "README.md"), "utf8");
        expect(services).to.contain(`own address (127.1.x.y, from\n\`dev/source-address.ts\`; promote and verify use ${toolSources.promote} and ${toolSources.verify})`);
    });
});
