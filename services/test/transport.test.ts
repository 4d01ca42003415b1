import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { DeadlineExceeded, HttpTransport } from "../src/runtime/transport";

describe("downstream transport", () => {
    let server: http.Server;
    let base: string;
    const connections: unknown[] = [];
    const paths: string[] = [];

    before(async () => {
        server = http.createServer((req, res) => {
            paths.push(req.url ?? "");
            if (req.url?.endsWith("/slow")) return; // never answers
            req.resume();
            req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ method: req.method })));
        });
        server.on("connection", (socket) => connections.push(socket));
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
    });

    it("keeps connections alive across sequential calls, and keeps a base URL's path", async () => {
        const transport = new HttpTransport(5_000);
        connections.length = 0;
        for (let i = 0; i < 20; i++) {
            const answer = await transport.send(`${base}/prefix/`, { method: "POST", path: `/api/${i}`, headers: {}, body: "{}" });
            expect(answer).to.deep.equal({ status: 200, text: '{"method":"POST"}' });
        }
        // undici may open a second socket while the first finishes its exchange; never one per call.
        expect(connections.length).to.be.within(1, 2);
        expect(paths.slice(-20)).to.deep.equal(Array.from({ length: 20 }, (_, i) => `/prefix/api/${i}`));
        await transport.close();
    });

    it("gives up on a call at its deadline with DeadlineExceeded", async () => {
        const transport = new HttpTransport(100);
        let caught: unknown;
        try {
            await transport.send(base, { method: "GET", path: "/slow", headers: {} });
        } catch (error) {
            caught = error;
        }
        expect(caught).to.be.instanceOf(DeadlineExceeded);
        expect((caught as Error).message).to.equal("no answer within 100ms");
        await transport.close();
    });
});
