// Every error a service answers has the one documented shape, `{ error, details? }` with
// `error` a string, whatever went wrong and wherever it was caught (services/README.md, API).
import { request as httpRequest } from "node:http";
import { expect } from "chai";
import { serviceNames } from "../src/index";
import { createTestDatabase } from "./support/database";
import { asUser, send, type Answer } from "./support/http";
import { startStack, type TestStack } from "./support/services";

/** The documented error body: exactly `error` (a string) and, optionally, `details`. */
function expectErrorShape(answer: Answer, status: number): void {
    expect(answer.status, JSON.stringify(answer.body)).to.equal(status);
    expect(answer.headers.get("content-type")).to.match(/^application\/json/);
    expect(answer.body).to.be.an("object");
    expect(answer.body.error).to.be.a("string").and.not.equal("");
    expect(Object.keys(answer.body).filter((key) => key !== "error" && key !== "details")).to.deep.equal([]);
}

/** A raw request, for paths fetch() would normalise. */
function rawGet(url: string, path: string): Promise<Answer> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
        const req = httpRequest({ hostname, port, path, method: "GET" }, (res) => {
            let text = "";
            res.on("data", (chunk) => (text += chunk));
            res.on("end", () => resolve({ status: res.statusCode!, headers: new Headers(res.headers as Record<string, string>), body: JSON.parse(text) }));
        });
        req.on("error", reject);
        req.end();
    });
}

describe("one error shape for every kind of bad input", () => {
    let stack: TestStack;
    const longId = "9".repeat(10_000);

    before(async () => {
        // order's payment is "down": nothing listens on port 1.
        stack = await startStack((await createTestDatabase()).url, serviceNames, { BODY_LIMIT_BYTES: "2048" }, { order: { PAYMENT_URL: "http://127.0.0.1:1" } });
    });
    after(() => stack?.stop());

    it("a 10,000-character id: 414 in the documented shape, without echoing the URL", async () => {
        const answer = await send("GET", `${stack.url("user")}/api/users/${longId}`);
        expectErrorShape(answer, 414);
        expect(answer.body.error).to.equal("bad request: a path segment is too long");
        expect(JSON.stringify(answer.body).length).to.be.below(400);
    });

    it("a __proto__ key: 400 saying the key is refused, not that the JSON is invalid", async () => {
        const answer = await send("POST", `${stack.url("user")}/api/users`, { raw: '{"name":"N","email":"n@example.com","__proto__":{"admin":true}}' });
        expectErrorShape(answer, 400);
        expect(answer.body.error).to.equal("request body refused: the keys __proto__ and constructor.prototype are not allowed");
    });

    const cases: { what: string; status: number; call: () => Promise<Answer> }[] = [
        { what: "malformed JSON", status: 400, call: () => send("POST", `${stack.url("user")}/api/users`, { raw: "{nope" }) },
        { what: "an empty JSON body", status: 400, call: () => send("POST", `${stack.url("user")}/api/users`, { raw: "" }) },
        { what: "a wrong type", status: 400, call: () => send("POST", `${stack.url("user")}/api/users`, { json: { name: 1, email: "x" }, headers: asUser("1") }) },
        { what: "a bad id", status: 400, call: () => send("GET", `${stack.url("product")}/api/products/a.b`) },
        { what: "a missing Idempotency-Key", status: 400, call: () => send("POST", `${stack.url("payment")}/api/payments`, { json: { orderId: "o", amount: 1, currency: "EUR" } }) },
        { what: "a body over the limit", status: 413, call: () => send("POST", `${stack.url("cart")}/api/cart/u1/items`, { raw: JSON.stringify({ x: "y".repeat(4096) }) }) },
        { what: "a form body", status: 415, call: () => send("POST", `${stack.url("cart")}/api/cart/u1/items`, { raw: "a=b", headers: { "content-type": "application/x-www-form-urlencoded" } }) },
        { what: "an unknown route", status: 404, call: () => send("GET", `${stack.url("shipping")}/nope`) },
        { what: "an unknown record", status: 404, call: () => send("GET", `${stack.url("user")}/api/users/424242`, { headers: asUser("424242") }) },
        { what: "a conflict", status: 409, call: () => send("POST", `${stack.url("cart")}/api/cart/u1/items`, { json: { productId: "3", quantity: 999 }, headers: asUser("u1") }) },
        { what: "a percent-encoding that does not decode", status: 400, call: () => rawGet(stack.url("user"), "/api/users/%E0%A4%A") },
        { what: "an order whose payment is down", status: 503, call: () => send("POST", `${stack.url("order")}/api/orders`, { json: { userId: "1", items: [{ productId: "1", price: 999, quantity: 1 }] }, headers: { ...asUser("1"), "idempotency-key": "payment-down" } }) },
        { what: "a customer route without sign-in", status: 401, call: () => send("GET", `${stack.url("cart")}/api/cart/u1`) },
        { what: "another customer's data", status: 403, call: () => send("GET", `${stack.url("cart")}/api/cart/u1`, { headers: asUser("u2") }) },
    ];
    for (const { what, status, call } of cases) {
        it(`${what}: ${status} in the documented shape`, async () => expectErrorShape(await call(), status));
    }
});
