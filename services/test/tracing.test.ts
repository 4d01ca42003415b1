import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { expect } from "chai";
import { loadConfig, startService, type RunningService } from "../src/index";
import { createTestDatabase } from "./support/database";
import { asUser, get, post } from "./support/http";
import { testEnv } from "./support/services";

/** Stands in for product and inventory, recording the headers of every call it gets. */
async function fakeDownstream(): Promise<{ server: Server; url: string; seen: IncomingHttpHeaders[] }> {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((request, response) => {
        seen.push(request.headers);
        const json = (status: number, body: unknown) => response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
        if (request.url?.endsWith("/slow")) return void setTimeout(() => json(200, {}), 1_000);
        if (request.url?.endsWith("/broken")) return json(500, { error: "boom" });
        if (request.url?.startsWith("/api/products/")) return json(200, { product: { id: "1", price: 999 } });
        return json(200, { productId: "1", available: 5 });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe("trace propagation, logs and downstream failures", () => {
    let downstream: Awaited<ReturnType<typeof fakeDownstream>>;
    let cart: RunningService;
    const logLines: Record<string, unknown>[] = [];
    const addItem = (productId: string, headers: Record<string, string> = {}) =>
        post(`${cart.url}/api/cart/u1/items`, { productId, quantity: 1 }, { ...asUser("u1"), ...headers });

    before(async () => {
        downstream = await fakeDownstream();
        const env = testEnv("cart", (await createTestDatabase()).url, {
            PRODUCT_URL: downstream.url,
            INVENTORY_URL: downstream.url,
            DOWNSTREAM_TIMEOUT_MS: "200",
            LOG_LEVEL: "info",
        });
        const logDestination = new Writable({
            write(chunk, _encoding, done) {
                for (const line of String(chunk).split("\n").filter(Boolean)) logLines.push(JSON.parse(line));
                done();
            },
        });
        cart = await startService(loadConfig(env), { logDestination });
    });
    after(async () => {
        await cart?.close();
        downstream?.server.close();
    });
    beforeEach(() => {
        downstream.seen.length = 0;
    });

    it("forwards an incoming W3C trace as traceparent and B3 headers, plus x-request-id", async () => {
        const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        const answer = await addItem("1", { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, "x-request-id": "req-42" });
        expect(answer.status).to.equal(201);
        expect(downstream.seen).to.have.length(2);
        for (const headers of downstream.seen) {
            expect(headers.traceparent).to.match(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
            expect(headers["x-b3-traceid"]).to.equal(traceId);
            expect(headers["x-b3-spanid"]).to.match(/^[0-9a-f]{16}$/);
            expect(headers["x-b3-sampled"]).to.equal("1");
            expect(headers["x-request-id"]).to.equal("req-42");
        }
    });

    it("accepts Envoy's B3 headers and forwards the same trace in both formats", async () => {
        const traceId = "a3ce929d0e0e47364bf92f3577b34da6";
        await addItem("1", { "x-b3-traceid": traceId, "x-b3-spanid": "b7ad6b7169203331", "x-b3-sampled": "1" });
        for (const headers of downstream.seen) {
            expect(headers["x-b3-traceid"]).to.equal(traceId);
            expect(headers.traceparent).to.contain(traceId);
        }
    });

    it("starts one trace per request when none comes in, shared by all its downstream calls", async () => {
        await addItem("1");
        const traceIds = downstream.seen.map((headers) => String(headers["x-b3-traceid"]));
        expect(traceIds[0]).to.match(/^[0-9a-f]{32}$/);
        expect(traceIds[1]).to.equal(traceIds[0]);
    });

    it("writes JSON request logs that carry the trace id", async () => {
        const traceId = "0af7651916cd43dd8448eb211c80319c";
        await addItem("1", { traceparent: `00-${traceId}-b7ad6b7169203331-01` });
        const line = logLines.find((entry) => entry.trace_id === traceId && entry.msg === "request");
        expect(line).to.include({ service: "cart", version: "v1", level: "info", status: 201, method: "POST" });
    });

    it("maps a downstream timeout to 504 and a downstream 5xx to 502, counting both", async () => {
        const slow = await addItem("slow");
        expect(slow.status).to.equal(504);
        expect(slow.body.error).to.match(/service timed out after 200ms$/);
        const broken = await addItem("broken");
        expect(broken.status).to.equal(502);
        expect(broken.body.details).to.deep.include({ status: 500 });
        const metrics = (await get(`${cart.url}/metrics`)).body as string;
        expect(metrics).to.match(/downstream_requests_total\{target="(product|inventory)",status="timeout",service="cart",version="v1"\} [1-9]/);
        expect(metrics).to.match(/downstream_requests_total\{target="(product|inventory)",status="500",service="cart",version="v1"\} [1-9]/);
    });
});
