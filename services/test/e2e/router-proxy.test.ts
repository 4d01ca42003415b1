import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRouter, listenRouter } from "../../dev/router";
import { defaultProductSplit, type Backend } from "../../dev/routes";

/** A backend that answers with what it received, so tests can see what the router forwarded. */
function echoBackend(name: string): http.Server {
    return http.createServer((req, res) => {
        let body = "";
        req.on("data", (chunk) => (body += chunk));
        req.on("end", () => {
            res.writeHead(418, { "content-type": "application/json", "x-service-version": name });
            res.end(JSON.stringify({ name, method: req.method, url: req.url, headers: req.headers, body }));
        });
    });
}

async function listen(server: http.Server): Promise<string> {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("router: forwarding", () => {
    const backends = new Map<string, http.Server>();
    const urls = new Map<string, string>();
    let router: http.Server;
    let base: string;

    before(async () => {
        for (const name of ["product@v1", "product@v2", "order@v1"]) {
            const server = echoBackend(name);
            backends.set(name, server);
            urls.set(name, await listen(server));
        }
        // payment accepts the connection and drops it without answering: a backend that breaks.
        const breaking = http.createServer((req) => req.socket.destroy());
        backends.set("payment@v1", breaking);
        urls.set("payment@v1", await listen(breaking));
        // cart is "running" on a port nobody listens on: a backend that is down.
        urls.set("cart@v1", "http://127.0.0.1:1");
        const backendUrl = (backend: Backend) => urls.get(`${backend.service}@${backend.version ?? "v1"}`);
        router = createRouter({ split: defaultProductSplit, backendUrl, random: () => 0.99 });
        base = await listenRouter(router, 0, "127.0.0.1");
    });

    after(async () => {
        router.closeAllConnections();
        await new Promise((resolve) => router.close(resolve));
        for (const server of backends.values()) await new Promise((resolve) => server.close(resolve));
    });

    it("forwards method, path, body, trace headers and the backend's status untouched", async () => {
        const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        const res = await fetch(`${base}/api/orders?x=1`, {
            method: "POST",
            headers: { traceparent, "x-b3-traceid": "abc", "x-request-id": "r1", "content-type": "application/json" },
            body: JSON.stringify({ userId: "1" }),
        });
        expect(res.status).to.equal(418);
        const seen = (await res.json()) as { headers: Record<string, string> };
        expect(seen).to.include({ name: "order@v1", method: "POST", url: "/api/orders?x=1", body: '{"userId":"1"}' });
        expect(seen.headers).to.include({ traceparent, "x-b3-traceid": "abc", "x-request-id": "r1" });
    });

    it("sends product to the weighted version, or the one the header pins", async () => {
        const weighted = await fetch(`${base}/api/products`);
        expect(weighted.headers.get("x-service-version")).to.equal("product@v1");
        await weighted.body?.cancel();
        const pinned = await fetch(`${base}/api/products/1`, { headers: { "x-version": "v2" } });
        expect(pinned.headers.get("x-service-version")).to.equal("product@v2");
        await pinned.body?.cancel();
    });

    it("answers 404 JSON for an unknown path", async () => {
        const res = await fetch(`${base}/api/nothing-here`);
        expect(res.status).to.equal(404);
        expect(res.headers.get("content-type")).to.equal("application/json");
        expect(await res.json()).to.include({ error: "not_found" });
    });

    it("answers 503 JSON naming the service when its backend is down or not started", async () => {
        const down = await fetch(`${base}/api/cart/1`);
        expect(down.status).to.equal(503);
        expect(await down.json()).to.include({ error: "backend_unavailable", service: "cart" });
        const missing = await fetch(`${base}/api/users/1`);
        expect(missing.status).to.equal(503);
        expect(await missing.json()).to.include({ error: "backend_unavailable", service: "user" });
    });

    it("answers 502 JSON when the backend drops the request without an answer", async () => {
        const res = await fetch(`${base}/api/payments`, { method: "POST", body: "{}" });
        expect(res.status).to.equal(502);
        expect(await res.json()).to.include({ error: "bad_gateway", service: "payment" });
    });
});
