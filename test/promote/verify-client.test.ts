// verify's one client against an edge that rate limits the way npm run dev's router and the
// gateway do: a token bucket per client, 429 with Retry-After when it is empty.
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { EdgeRateLimiter, rateLimitGate } from "../../services/dev/ratelimit";
import { Budget, retryAfterMs } from "../../tools/verify/client";

async function rateLimitedServer(read: number, intervalMs: number): Promise<{ server: Server; url: string }> {
    const gate = rateLimitGate(new EdgeRateLimiter({ intervalMs, read, write: read }));
    const server = createServer(async (req, res) => {
        const refused = await gate(req);
        if (refused) return void res.writeHead(refused.status, refused.headers).end(JSON.stringify(refused.body));
        res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("verify's client behind a rate-limited edge", () => {
    let edge: Awaited<ReturnType<typeof rateLimitedServer>>;
    before(async () => {
        edge = await rateLimitedServer(2, 1_000);
    });
    after(() => edge.server.close());

    it("waits out a 429 for its Retry-After and gets the answer, counting every request it sent", async () => {
        const waits: number[] = [];
        const budget = new Budget(edge.url, 100, 30_000, {}, 5_000, (ms) => waits.push(ms));
        const started = Date.now();
        const answers = await Promise.all([1, 2, 3].map(() => budget.send("/api/products")));
        expect(answers.map((a) => a.status)).to.deep.equal([200, 200, 200]);
        expect(waits).to.deep.equal([1_000]); // the third found the bucket empty once
        expect(budget.sent).to.equal(4);
        expect(Date.now() - started).to.be.at.least(900);
    });

    it("keeps the 429 when waiting would pass its deadline", async () => {
        const slowEdge = await rateLimitedServer(1, 60_000); // one request a minute
        try {
            const budget = new Budget(slowEdge.url, 100, 2_000, {});
            const statuses = [(await budget.send("/api/products")).status, (await budget.send("/api/products")).status];
            expect(statuses).to.deep.equal([200, 429]);
            expect(budget.sent).to.equal(2);
        } finally {
            slowEdge.server.close();
        }
    });

    it("reads Retry-After as seconds or an HTTP date, 1 s when it is missing", () => {
        expect(retryAfterMs("3")).to.equal(3_000);
        expect(retryAfterMs(null)).to.equal(1_000);
        expect(retryAfterMs("soon")).to.equal(1_000);
        const inTwoSeconds = retryAfterMs(new Date(Date.now() + 2_000).toUTCString());
        expect(inTwoSeconds).to.be.within(1_000, 2_000);
    });
});
