// The local router normalises paths as Envoy does under Istio's default (BASE), routes on
// the result and forwards the result, so `..` never reaches /metrics or /health.
import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { normalisePath } from "../../dev/paths";
import { createRouter, listenRouter } from "../../dev/router";
import { defaultProductSplit } from "../../dev/routes";

/** One request with the target exactly as written (curl --path-as-is). */
function rawRequest(base: string, target: string): Promise<{ status: number; body: any }> {
    const { port } = new URL(base);
    return new Promise((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, path: target, method: "GET" }, (res) => {
            let text = "";
            res.on("data", (chunk) => (text += chunk));
            res.on("end", () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
        });
        req.on("error", reject);
        req.end();
    });
}

describe("router: path normalisation", () => {
    it("normalises like Envoy's normalize_path (Istio's default BASE)", () => {
        const cases: [string, string][] = [
            ["/api/products/../../metrics", "/metrics"],
            ["/api/products/%2e%2e/%2E%2E/health/ready", "/health/ready"],
            ["/api/products/./1?x=../y", "/api/products/1?x=../y"],
            ["/api/products/1/..", "/api/products/"],
            ["/api/products//1", "/api/products//1"],
            ["/api//products/../../metrics", "/api/metrics"],
            ["\\api\\products\\1", "/api/products/1"],
            ["/api/products/..\\..\\metrics", "/metrics"],
            ["/api/products/%7e%41%2f", "/api/products/~A%2F"],
            ["/../../..", "/"],
        ];
        for (const [target, expected] of cases) expect(normalisePath(target), target).to.deep.equal({ ok: true, path: expected });
    });

    it("refuses %00, a broken percent-encoding and a path that is not absolute", () => {
        expect(normalisePath("/api/products/1%00")).to.deep.equal({ ok: false, reason: "the request path contains %00" });
        expect(normalisePath("/api/products/%zz")).to.deep.equal({ ok: false, reason: "the request path has a % that is not a percent-encoding" });
        expect(normalisePath("http://evil/metrics")).to.deep.equal({ ok: false, reason: "the request path must start with /" });
    });

    describe("through the router", () => {
        let backend: http.Server;
        let router: http.Server;
        let base: string;
        const forwarded: string[] = [];

        before(async () => {
            // A backend that would serve /metrics and /health/ready: the router must never send it there.
            backend = http.createServer((req, res) => {
                forwarded.push(req.url!);
                res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ url: req.url }));
            });
            await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
            const backendBase = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
            router = createRouter({ split: defaultProductSplit, backendUrl: () => backendBase });
            base = await listenRouter(router, 0, "127.0.0.1");
        });
        after(async () => {
            router.closeAllConnections();
            await new Promise((resolve) => router.close(resolve));
            await new Promise((resolve) => backend.close(resolve));
        });

        for (const target of ["/api/products/../../metrics", "/api/products/%2e%2e/%2e%2e/health/ready", "/api/cart/..\\..\\metrics", "/api//products/../../metrics"]) {
            it(`${target}: 404 from the router, nothing forwarded`, async () => {
                forwarded.length = 0;
                const answer = await rawRequest(base, target);
                expect(answer.status).to.equal(404);
                expect(answer.body.error).to.equal("not_found");
                expect(forwarded).to.deep.equal([]);
            });
        }

        it("forwards the normalised path, doubled slashes kept as Istio's BASE keeps them", async () => {
            expect((await rawRequest(base, "/api/products/./2/../1?q=1")).body).to.deep.equal({ url: "/api/products/1?q=1" });
            expect((await rawRequest(base, "/api/products//1")).body).to.deep.equal({ url: "/api/products//1" });
        });

        it("answers 400 for %00", async () => {
            const answer = await rawRequest(base, "/api/products/%00");
            expect(answer.status).to.equal(400);
            expect(answer.body).to.deep.equal({ error: "bad_request", message: "the request path contains %00" });
        });
    });
});
