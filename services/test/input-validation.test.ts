// Every endpoint that takes input turns bad input into a 4xx JSON error and keeps serving.
import { expect } from "chai";
import { serviceNames, type ServiceName } from "../src/index";
import { createTestDatabase } from "./support/database";
import { asUser, get, send } from "./support/http";
import { startStack, type TestStack } from "./support/services";

interface Endpoint {
    service: ServiceName;
    method: "POST";
    path: string;
    valid: Record<string, unknown>;
    /** A field to send with the wrong type. */
    field: string;
    headers?: Record<string, string>;
}

const endpoints: Endpoint[] = [
    { service: "product", method: "POST", path: "/api/products/1/ratings", valid: { stars: 4 }, field: "stars", headers: asUser("u1") },
    { service: "cart", method: "POST", path: "/api/cart/u1/items", valid: { productId: "1", quantity: 1 }, field: "quantity", headers: asUser("u1") },
    { service: "user", method: "POST", path: "/api/users", valid: { name: "N", email: "n@example.com" }, field: "email", headers: asUser("u1") },
    {
        service: "inventory",
        method: "POST",
        path: "/api/inventory/reservations",
        valid: { orderId: "o1", items: [{ productId: "1", quantity: 1 }] },
        field: "items",
    },
    {
        service: "payment",
        method: "POST",
        path: "/api/payments",
        valid: { orderId: "o1", amount: 999, currency: "EUR" },
        field: "amount",
        headers: { "idempotency-key": "k1" },
    },
    { service: "shipping", method: "POST", path: "/api/shipments", valid: { orderId: "o1", address: "1 Main St" }, field: "address" },
    {
        service: "notification",
        method: "POST",
        path: "/api/notifications",
        valid: { type: "order_confirmed", userId: "u1", orderId: "o1" },
        field: "userId",
    },
    { service: "order", method: "POST", path: "/api/orders", valid: { userId: "1", items: [{ productId: "1", price: 999, quantity: 1 }] }, field: "items", headers: { ...asUser("1"), "idempotency-key": "validation-1" } },
];

describe("input validation on every endpoint", () => {
    let stack: TestStack;

    before(async () => {
        // A small body limit keeps the oversized bodies small too.
        stack = await startStack((await createTestDatabase()).url, serviceNames, { BODY_LIMIT_BYTES: "2048", SERVICE_VERSION: "v2" });
    });
    after(() => stack?.stop());

    for (const endpoint of endpoints) {
        describe(`${endpoint.method} ${endpoint.path} (${endpoint.service})`, () => {
            const call = (options: { raw?: string; json?: unknown; headers?: Record<string, string> }) =>
                send(endpoint.method, `${stack.url(endpoint.service)}${endpoint.path}`, {
                    ...options,
                    headers: { ...endpoint.headers, ...options.headers },
                });

            it("rejects malformed JSON with 400", async () => {
                const answer = await call({ raw: '{"oops": ' });
                expect(answer.status).to.equal(400);
                expect(answer.body.error).to.equal("malformed JSON body");
                expect(answer.headers.get("x-service-version")).to.equal("v2");
            });

            it(`rejects a wrong type for ${endpoint.field} with 400 naming the field`, async () => {
                const answer = await call({ json: { ...endpoint.valid, [endpoint.field]: true } });
                expect(answer.status).to.equal(400);
                expect(answer.body.details.map((d: { path: string }) => d.path)).to.include(endpoint.field);
            });

            it("rejects missing fields and a missing body with 400", async () => {
                const answer = await call({ json: {} });
                expect(answer.status).to.equal(400);
                expect(answer.body.details.length).to.be.at.least(1);
                expect((await call({})).status).to.equal(400);
            });

            it("rejects unknown fields with 400", async () => {
                const answer = await call({ json: { ...endpoint.valid, sneaky: 1 } });
                expect(answer.status).to.equal(400);
            });

            it("rejects an oversized body with 413 and keeps serving", async () => {
                const answer = await call({ json: { ...endpoint.valid, padding: "x".repeat(4096) } });
                expect(answer.status).to.equal(413);
                expect(answer.body).to.deep.equal({ error: "request body too large" });
                expect(answer.headers.get("x-service-version")).to.equal("v2");
                expect((await get(`${stack.url(endpoint.service)}/health/live`)).status).to.equal(200);
            });

            it("rejects a form-encoded body with 415", async () => {
                const answer = await call({ raw: "a=1", headers: { "content-type": "application/x-www-form-urlencoded" } });
                expect(answer.status).to.equal(415);
            });
        });
    }

    it("rejects malformed ids in paths with 400", async () => {
        const answer = await get(`${stack.url("product")}/api/products/${encodeURIComponent("../etc")}`);
        expect(answer.status).to.equal(400);
        expect(answer.body.error).to.equal("invalid path");
    });

    it("answers JSON 404 for unknown routes on every service", async () => {
        for (const name of serviceNames) {
            const answer = await get(`${stack.url(name)}/no/such/route`);
            expect(answer.status).to.equal(404);
            expect(answer.body).to.deep.equal({ error: "not found", details: { method: "GET", path: "/no/such/route" } });
            expect(answer.headers.get("x-service-version")).to.equal("v2");
        }
    });
});
