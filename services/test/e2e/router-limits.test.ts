// The router answers "too large" as the service would (never 502 EPIPE), passes a service's
// early answer through, and gives up on a service that hangs after the stack's route timeout.
import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { DevError } from "../../dev/errors";
import { createRouter, listenRouter } from "../../dev/router";
import { parseRouteTimeouts } from "../../dev/timeouts";
import { defaultProductSplit, type Backend } from "../../dev/routes";
import { loadConfig, startService, type RunningService } from "../../src/index";
import { createTestDatabase } from "../support/database";
import { testEnv } from "../support/services";

const twoMegabytes = JSON.stringify({ name: "x".repeat(2 * 1024 * 1024), email: "big@example.com" });

/** POSTs `body` through the router, chunked when `chunked` (no content-length for the router to read). */
function postThrough(base: string, path: string, body: string, chunked = false): Promise<{ status: number; body: any }> {
    const { port } = new URL(base);
    return new Promise((resolve, reject) => {
        const headers: Record<string, string | number> = { "content-type": "application/json" };
        if (!chunked) headers["content-length"] = Buffer.byteLength(body);
        const req = http.request({ host: "127.0.0.1", port, path, method: "POST", headers, agent: false }, (res) => {
            let text = "";
            res.on("data", (chunk) => (text += chunk));
            res.on("end", () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
            res.on("error", reject);
        });
        req.on("error", (err: NodeJS.ErrnoException) => (err.code === "EPIPE" || err.code === "ECONNRESET" ? undefined : reject(err)));
        if (chunked) {
            for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.slice(at, at + 64 * 1024));
            req.end();
        } else {
            req.end(body);
        }
    });
}

async function listen(server: http.Server): Promise<string> {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("router: body limit, early answers and the route timeout", () => {
    let user: RunningService;
    let router: http.Server;
    let base: string;
    const others = new Map<string, string>();
    const servers: http.Server[] = [];

    before(async () => {
        user = await startService(loadConfig(testEnv("user", (await createTestDatabase()).url, { BODY_LIMIT_BYTES: "65536" })));
        // shipping answers 401 at once without reading the body, as an auth check does.
        const early = http.createServer((_req, res) => res.writeHead(401, { "content-type": "application/json" }).end('{"error":"unauthorized"}'));
        // order never answers.
        const hanging = http.createServer(() => undefined);
        servers.push(early, hanging);
        others.set("shipping", await listen(early));
        others.set("order", await listen(hanging));
        const backendUrl = (backend: Backend) => (backend.service === "user" ? user.url : others.get(backend.service));
        router = createRouter({ split: defaultProductSplit, backendUrl, bodyLimitBytes: 65536, routeTimeoutMs: { order: 300, user: 5000 } });
        base = await listenRouter(router, 0, "127.0.0.1");
    });
    after(async () => {
        router.closeAllConnections();
        await new Promise((resolve) => router.close(resolve));
        for (const server of servers) {
            server.closeAllConnections();
            await new Promise((resolve) => server.close(resolve));
        }
        await user?.close();
    });

    it("answers ten 2 MB bodies with the service's own 413, never 502", async () => {
        const direct = await postThrough(user.url, "/api/users", twoMegabytes);
        const statuses: number[] = [];
        for (let i = 0; i < 10; i++) {
            const answer = await postThrough(base, "/api/users", twoMegabytes, i % 2 === 1);
            statuses.push(answer.status);
            expect(answer.body).to.deep.equal(direct.body);
        }
        expect(direct).to.deep.equal({ status: 413, body: { error: "request body too large" } });
        expect(statuses).to.deep.equal(Array(10).fill(413));
    });

    it("passes a service's early answer through while the body is still coming", async () => {
        const body = JSON.stringify({ blob: "y".repeat(60_000) });
        for (let i = 0; i < 5; i++) expect(await postThrough(base, "/api/shipments", body, true)).to.deep.equal({ status: 401, body: { error: "unauthorized" } });
    });

    it("answers 504 after the stack's route timeout when the service hangs", async () => {
        const started = performance.now();
        const answer = await fetch(`${base}/api/orders/1`, { signal: AbortSignal.timeout(5000) });
        expect(answer.status).to.equal(504);
        expect(await answer.json()).to.deep.equal({ error: "gateway_timeout", service: "order", message: "order did not answer within the route timeout (300 ms)" });
        expect(performance.now() - started).to.be.at.least(290);
    });
});

describe("router: DEV_ROUTE_TIMEOUTS", () => {
    it("reads the stack's timeouts and refuses a bad value with the variable's name", () => {
        expect(parseRouteTimeouts('{"order":10000,"payment":15000}')).to.deep.equal({ order: 10000, payment: 15000 });
        expect(parseRouteTimeouts(undefined)).to.deep.equal({});
        expect(() => parseRouteTimeouts('{"order":-1}')).to.throw(DevError, 'DEV_ROUTE_TIMEOUTS (the stack\'s services.<name>.timeout in ms) {"order":-1} is not valid: order:');
        expect(() => parseRouteTimeouts("{")).to.throw(DevError, "DEV_ROUTE_TIMEOUTS is not JSON: {");
    });
});
