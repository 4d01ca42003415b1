// Who may call what, against the real services behind the dev router (the `npm run dev`
// topology): public routes without a token, customer routes only with the owner's token,
// internal routes never through the edge, a forged subject header granting nothing, and the
// edge rate limit answering 429 once a client has spent its write budget.
import { expect } from "chai";
import http from "node:http";
import { randomUUID } from "node:crypto";
import { ephemeralDevIssuer, jwksPath } from "../../dev/issuer";
import type { RunningStack } from "../../dev/stack";
import { apiRoutes, subjectHeader, type ApiRoute } from "../../src/runtime/api-surface";
import { createTestDatabase } from "../support/database";
import { send, type Answer } from "../support/http";
import { stackFromSources, startupTimeoutMs } from "./from-sources";

const writeBudget = 60;

interface Call {
    readonly path: string;
    readonly json?: unknown;
    readonly headers?: Record<string, string>;
}

/** Shared by the customer cases: what earlier calls created (an order, its shipment). */
interface Made {
    orderId?: string;
    trackingId?: string;
}

/**
 * One request per customer route, made by `owner`, and the same request aimed at another
 * customer's data (`forOther`, made with the owner's token), unless the data has no owner.
 */
interface CustomerCase {
    readonly owner: string;
    own(made: Made, owner: string): Call;
    forOther?(made: Made): Call;
    readonly expect: number;
    after?(answer: Answer, made: Made): void;
}

const newOwner = `customer-${randomUUID()}`;
const customerCases: Record<string, CustomerCase> = {
    "POST /api/products/:id/ratings": { owner: "1", own: () => ({ path: "/api/products/1/ratings", json: { stars: 5 }, headers: { "x-version": "v2" } }), expect: 201 },
    "GET /api/cart/:userId": { owner: "1", own: () => ({ path: "/api/cart/1" }), forOther: () => ({ path: "/api/cart/2" }), expect: 200 },
    "POST /api/cart/:userId/items": {
        owner: "1",
        own: () => ({ path: "/api/cart/1/items", json: { productId: "1", quantity: 1 } }),
        forOther: () => ({ path: "/api/cart/2/items", json: { productId: "1", quantity: 1 } }),
        expect: 201,
    },
    "DELETE /api/cart/:userId/items/:productId": { owner: "1", own: () => ({ path: "/api/cart/1/items/1" }), forOther: () => ({ path: "/api/cart/2/items/1" }), expect: 200 },
    "POST /api/orders": {
        owner: "1",
        own: () => ({ path: "/api/orders", json: { userId: "1", items: [{ productId: "2", price: 3499, quantity: 1 }] }, headers: { "idempotency-key": randomUUID() } }),
        forOther: () => ({ path: "/api/orders", json: { userId: "2", items: [{ productId: "2", price: 3499, quantity: 1 }] }, headers: { "idempotency-key": randomUUID() } }),
        expect: 201,
        after: (answer, made) => {
            made.orderId = answer.body.orderId;
            made.trackingId = answer.body.trackingId;
        },
    },
    "GET /api/orders/:id": { owner: "1", own: (made) => ({ path: `/api/orders/${made.orderId}` }), expect: 200 },
    // A new customer creates their own profile: there is no one else's to aim at.
    "POST /api/users": { owner: newOwner, own: (_made, owner) => ({ path: "/api/users", json: { name: "New", email: `${owner}@example.test`, address: "1 Road" } }), expect: 201 },
    "GET /api/users/:id": { owner: "1", own: () => ({ path: "/api/users/1" }), forOther: () => ({ path: `/api/users/${newOwner}` }), expect: 200 },
    "GET /api/shipments/:trackingId": { owner: "1", own: (made) => ({ path: `/api/shipments/${made.trackingId}` }), expect: 200 },
    "GET /api/notifications": { owner: "1", own: () => ({ path: "/api/notifications?userId=1" }), forOther: () => ({ path: "/api/notifications?userId=2" }), expect: 200 },
};

const routeName = (route: ApiRoute) => `${route.method} ${route.path}`;
const concrete = (route: ApiRoute) => route.path.replace(/:[A-Za-z]+/g, "1");

/** One request from a chosen local address, so it has its own rate-limit bucket. */
function fromAddress(localAddress: string, url: string, method: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
    return new Promise((resolve, reject) => {
        const headers = method === "POST" ? { "content-type": "application/json" } : {};
        const req = http.request(url, { method, localAddress, agent: false, headers }, (res) => {
            let text = "";
            res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
        });
        req.on("error", reject);
        req.end(method === "POST" ? "{}" : undefined);
    });
}

describe("access through the dev router: public, customer and internal routes", function () {
    let stack: RunningStack;
    let base: string;
    const tokenOf = async (user: string) => ({ authorization: `Bearer ${await stack.issuer.mint(user)}` });
    const call = (method: string, { path, json, headers }: Call, extra: Record<string, string> = {}) =>
        send(method, `${base}${path}`, { json, headers: { ...headers, ...extra } });

    before(async function () {
        this.timeout(startupTimeoutMs);
        stack = await stackFromSources({
            databaseUrl: (await createTestDatabase()).url,
            issuer: await ephemeralDevIssuer(),
            rateBudget: { intervalMs: 60_000, read: 100_000, write: writeBudget },
        });
        base = stack.routerUrl;
    });

    after(async function () {
        this.timeout(60_000);
        if (stack) expect(await stack.stop(), "all services exited cleanly").to.equal(true);
    });

    it("has a case for every customer route of the API surface", () => {
        expect(Object.keys(customerCases)).to.have.members(apiRoutes.filter((route) => route.class === "customer").map(routeName));
    });

    it("answers every public route without a token", async () => {
        for (const route of apiRoutes.filter((r) => r.class === "public")) {
            const answer = await call(route.method, { path: concrete(route), headers: route.versions ? { "x-version": route.versions[0] } : {} });
            expect(answer.status, routeName(route)).to.equal(200);
        }
    });

    it("answers each customer route 401 without a token, 403 on another customer's data, 2xx for the owner", async () => {
        const made: Made = {};
        for (const route of apiRoutes.filter((r) => r.class === "customer")) {
            const name = routeName(route);
            const test = customerCases[name];
            const own = test.own(made, test.owner);
            const anonymous = await call(route.method, own);
            expect(anonymous.status, `${name} without a token`).to.equal(401);
            expect(anonymous.body, name).to.deep.equal({ error: "sign-in required", details: { reason: "send a valid bearer token" } });
            expect(anonymous.headers.get("www-authenticate"), name).to.equal('Bearer realm="ecommerce-mesh"');
            const token = await tokenOf(test.owner);
            if (test.forOther) {
                const other = await call(route.method, test.forOther(made), token);
                expect(other.status, `${name} on another customer's data: ${JSON.stringify(other.body)}`).to.equal(403);
                expect(other.body.error, name).to.match(/belongs to another customer/);
            }
            const answer = await call(route.method, own, token);
            expect(answer.status, `${name} by its owner: ${JSON.stringify(answer.body)}`).to.equal(test.expect);
            test.after?.(answer, made);
        }
    });

    it("does not route internal routes at the edge, with or without a token (404)", async () => {
        const token = await tokenOf("1");
        for (const route of apiRoutes.filter((r) => r.class === "internal")) {
            for (const headers of [{}, token]) {
                const answer = await call(route.method, { path: concrete(route), json: route.method === "POST" ? {} : undefined }, headers);
                expect(answer.status, routeName(route)).to.equal(404);
                expect(answer.body, routeName(route)).to.deep.equal({ error: "not found", details: { method: route.method, path: concrete(route) } });
            }
        }
    });

    it("acts as the token's subject whatever subject header the client sends", async () => {
        const token = await tokenOf("1");
        // User 1's token and a forged header naming user 2: still user 1, so user 2's cart stays closed.
        const forged = await call("GET", { path: "/api/cart/2" }, { ...token, [subjectHeader]: "2" });
        expect(forged.status).to.equal(403);
        expect(forged.body.details).to.deep.equal({ subject: "1" });
        const own = await call("GET", { path: "/api/users/1" }, { ...token, [subjectHeader]: "2" });
        expect(own.status).to.equal(200);
        expect(own.body.id).to.equal("1");
        // The header alone grants nothing.
        expect((await call("GET", { path: "/api/cart/2" }, { [subjectHeader]: "2" })).status).to.equal(401);
    });

    it("refuses tokens it did not issue or cannot read (401)", async () => {
        const foreign = await (await ephemeralDevIssuer()).mint("1");
        for (const authorization of [`Bearer ${foreign}`, "Bearer not.a.token", "Basic dXNlcjpwYXNz"]) {
            const answer = await call("GET", { path: "/api/cart/1" }, { authorization });
            expect(answer.status, authorization).to.equal(401);
            expect(answer.body.error).to.equal("sign-in required");
        }
    });

    it("publishes the issuer's JWKS for a RequestAuthentication's jwksUri", async () => {
        const answer = await call("GET", { path: jwksPath });
        expect(answer.status).to.equal(200);
        expect(answer.body).to.deep.equal(stack.issuer.jwks);
        expect(answer.body.keys[0]).to.not.have.property("d");
    });

    it("runs the testing guide's order flow with a token: order, read it back, see the notification", async () => {
        const token = await tokenOf("1");
        const placed = await call("POST", { path: "/api/orders", json: { userId: "1", items: [{ productId: "1", price: 999, quantity: 1 }] }, headers: { "idempotency-key": randomUUID() } }, token);
        expect(placed.status, JSON.stringify(placed.body)).to.equal(201);
        expect(placed.body).to.include({ status: "confirmed", total: 999, currency: "EUR" });
        expect((await call("GET", { path: `/api/orders/${placed.body.orderId}` }, token)).body).to.include({ userId: "1", status: "confirmed" });
        const notes = await call("GET", { path: "/api/notifications?userId=1" }, token);
        expect(notes.body.notifications.map((n: { orderId: string }) => n.orderId)).to.include(placed.body.orderId);
    });

    it("answers 429 with Retry-After once a client address has spent its write budget, others unaffected", async () => {
        const url = `${base}/api/cart/1/items`;
        const statuses: number[] = [];
        for (let i = 0; i < writeBudget; i++) statuses.push((await fromAddress("127.0.0.2", url, "POST")).status);
        expect(new Set(statuses)).to.deep.equal(new Set([401])); // within budget: the token check answers
        const limited = await fromAddress("127.0.0.2", url, "POST");
        expect(limited.status).to.equal(429);
        expect(limited.body).to.deep.equal({ error: "rate limit exceeded", details: { budget: "write", limit: writeBudget, intervalSeconds: 60 } });
        expect(Number(limited.headers["retry-after"])).to.be.within(1, 60);
        // Reads have their own budget, and other addresses their own buckets.
        expect((await fromAddress("127.0.0.2", `${base}/api/products/1`, "GET")).status).to.equal(200);
        expect((await fromAddress("127.0.0.3", url, "POST")).status).to.equal(401);
    });
});
