// The local router's access rules and rate limit, without processes: the gates of access.ts
// and ratelimit.ts on hand-made requests.
import { expect } from "chai";
import type http from "node:http";
import { callerGate, edgeGate } from "../../dev/access";
import { ephemeralDevIssuer } from "../../dev/issuer";
import { faultGate, stripFaultHeaders } from "../../dev/faults";
import { EdgeRateLimiter, parseRateBudget, rateLimitGate } from "../../dev/ratelimit";
import { subjectHeader } from "../../src/runtime/api-surface";

const request = (method: string, url: string, headers: Record<string, string> = {}, remoteAddress = "10.0.0.1") =>
    ({ method, url, headers: { ...headers }, socket: { remoteAddress } }) as unknown as http.IncomingMessage;

describe("dev router: edge and caller rules", () => {
    it("lets a service's own listener reach only the calls it makes (403 otherwise, 404 for no route)", async () => {
        const cart = callerGate("cart");
        expect(await cart(request("GET", "/api/products/1"))).to.equal(undefined);
        expect(await cart(request("GET", "/api/inventory/1"))).to.equal(undefined);
        expect((await cart(request("POST", "/api/payments")))?.status).to.equal(403);
        expect((await cart(request("GET", "/api/products")))?.status).to.equal(403);
        expect((await cart(request("GET", "/api/warehouse")))?.status).to.equal(404);
        const order = callerGate("order");
        expect(await order(request("DELETE", "/api/inventory/reservations/o1"))).to.equal(undefined);
        expect((await order(request("GET", "/api/cart/1")))?.body).to.deep.equal({ error: "forbidden", details: { caller: "order", method: "GET", path: "/api/cart/1" } });
    });

    it("sets the subject only from a verified token and always drops the client's own", async () => {
        const issuer = await ephemeralDevIssuer();
        const gate = edgeGate(issuer);
        const forged = request("GET", "/api/cart/2", { authorization: `Bearer ${await issuer.mint("1")}`, [subjectHeader]: "2" });
        expect(await gate(forged)).to.equal(undefined);
        expect(forged.headers[subjectHeader]).to.equal("1");
        const publicRead = request("GET", "/api/products", { [subjectHeader]: "2" });
        expect(await gate(publicRead)).to.equal(undefined);
        expect(publicRead.headers).to.not.have.property(subjectHeader);
        expect((await gate(request("GET", "/api/cart/1")))?.status).to.equal(401);
        expect((await gate(request("POST", "/api/payments")))?.status).to.equal(404);
    });
});

describe("dev router: rate limit", () => {
    it("refills each client's bucket every interval, reads and writes apart", () => {
        let now = 0;
        const limiter = new EdgeRateLimiter({ intervalMs: 10_000, read: 3, write: 2 }, () => now);
        const writes = () => limiter.take("a", "write").allowed;
        expect([writes(), writes(), writes()]).to.deep.equal([true, true, false]);
        expect(limiter.take("a", "read").allowed).to.equal(true);
        expect(limiter.take("b", "write").allowed).to.equal(true);
        now = 4_000;
        expect(limiter.take("a", "write")).to.deep.equal({ allowed: false, retryAfterSeconds: 6 });
        now = 10_000;
        expect(writes()).to.equal(true);
    });

    it("answers 429 with Retry-After and the budget that ran out", async () => {
        const gate = rateLimitGate(new EdgeRateLimiter({ intervalMs: 60_000, read: 1, write: 1 }));
        expect(await gate(request("GET", "/api/products"))).to.equal(undefined);
        const refused = await gate(request("HEAD", "/api/products"));
        expect(refused).to.deep.equal({ status: 429, body: { error: "rate limit exceeded", details: { budget: "read", limit: 1, intervalSeconds: 60 } }, headers: { "retry-after": "60" } });
    });

    it("reads the stack's budget from DEV_RATE_LIMIT and names a bad one", () => {
        expect(parseRateBudget('{"intervalMs":60000,"read":600,"write":120}')).to.deep.equal({ intervalMs: 60000, read: 600, write: 120 });
        expect(parseRateBudget("null")).to.equal(undefined);
        expect(() => parseRateBudget('{"intervalMs":0,"read":1,"write":1}')).to.throw(/DEV_RATE_LIMIT \(the stack's rateLimit\) .* intervalMs/);
    });
});

describe("dev router: faults only for mesh callers", () => {
    const faults = () => ({ product: { header: "x-fault-inject", abort: { percentage: 100, httpStatus: 503 } } });

    it("the edge removes the fault header, so a client outside the mesh cannot ask for a fault", async () => {
        const req = request("GET", "/api/products/1", { "x-fault-inject": "true" });
        expect(await stripFaultHeaders(faults)(req)).to.equal(undefined);
        expect(req.headers).to.not.have.property("x-fault-inject");
    });

    it("a caller's listener applies the fault, as its sidecar's VirtualService fault route does", async () => {
        const answer = await faultGate(faults, () => 0)(request("GET", "/api/products/1", { "x-fault-inject": "true" }));
        expect(answer?.status).to.equal(503);
        expect(await faultGate(faults, () => 0)(request("GET", "/api/products/1"))).to.equal(undefined);
    });
});
