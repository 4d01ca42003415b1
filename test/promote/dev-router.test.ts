import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { expectDevRouter } from "../../tools/promote/devRouter";
import { UsageError } from "../../tools/render/args";

async function answering(status: number, headers: Record<string, string>): Promise<{ url: string; close: () => void }> {
    const server = createServer((_req, res) => res.writeHead(status, headers).end("{}"));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

describe("promote --local's check for npm run dev's router", () => {
    it("takes a failing canary's 500 as the router answering: a product version named itself", async () => {
        const router = await answering(500, { "x-service-version": "v2" });
        try {
            await expectDevRouter(router.url);
        } finally {
            router.close();
        }
    });

    it("refuses an answer that no product version gave, naming its status", async () => {
        const other = await answering(404, {});
        try {
            const failure = await expectDevRouter(other.url).then(() => undefined, (error: Error) => error);
            expect(failure).to.be.instanceOf(UsageError);
            expect(failure?.message).to.equal(`--local ${other.url}: npm run dev's router does not answer GET /api/products (404); start npm run dev first`);
        } finally {
            other.close();
        }
    });
});
