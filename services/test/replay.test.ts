// Every write a retry may replay after it reached the app (api-surface `idempotent: true`: the
// mesh retries it on 5xx, reset and per-try timeouts) is sent twice with the same request against
// the real services and PostgreSQL: the database afterwards must equal the database after one call.
// A new write route marked idempotent fails here until it has a scenario.
import { expect } from "chai";
import { apiRoutes, retrySafe } from "../src/runtime/api-surface";
import { createTestDatabase, queryDatabase } from "./support/database";
import { asUser, send, type Answer } from "./support/http";
import { startStack, type TestStack } from "./support/services";

interface Scenario {
    /** Puts the state in place the write needs (run once). */
    setup?: (stack: TestStack) => Promise<Answer>;
    send: (stack: TestStack) => Promise<Answer>;
}

const call = (stack: TestStack, service: Parameters<TestStack["url"]>[0], method: string, path: string, json?: unknown, headers?: Record<string, string>) =>
    send(method, `${stack.url(service)}${path}`, { json, headers });

const scenarios: Record<string, Scenario> = {
    "DELETE /api/cart/:userId/items/:productId": {
        setup: (s) => call(s, "cart", "POST", "/api/cart/r1/items", { productId: "3", quantity: 2 }, asUser("r1")),
        send: (s) => call(s, "cart", "DELETE", "/api/cart/r1/items/3", undefined, asUser("r1")),
    },
    "POST /api/inventory/reservations": {
        send: (s) => call(s, "inventory", "POST", "/api/inventory/reservations", { orderId: "replay-1", items: [{ productId: "4", quantity: 2 }] }),
    },
    "DELETE /api/inventory/reservations/:orderId": {
        setup: (s) => call(s, "inventory", "POST", "/api/inventory/reservations", { orderId: "replay-2", items: [{ productId: "5", quantity: 3 }] }),
        send: (s) => call(s, "inventory", "DELETE", "/api/inventory/reservations/replay-2"),
    },
    "POST /api/inventory/reservations/:orderId/consume": {
        setup: (s) => call(s, "inventory", "POST", "/api/inventory/reservations", { orderId: "replay-5", items: [{ productId: "7", quantity: 1 }] }),
        send: (s) => call(s, "inventory", "POST", "/api/inventory/reservations/replay-5/consume"),
    },
    "POST /api/shipments": {
        send: (s) => call(s, "shipping", "POST", "/api/shipments", { orderId: "replay-3", address: "1 Main St" }),
    },
    "POST /api/notifications": {
        send: (s) => call(s, "notification", "POST", "/api/notifications", { type: "order_confirmed", userId: "r1", orderId: "replay-4" }),
    },
};

/** Every row of every application table (migrations bookkeeping aside), for a before/after comparison. */
async function snapshot(url: string): Promise<Record<string, unknown[]>> {
    const tables = await queryDatabase<{ schema: string; name: string }>(
        url,
        `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
         WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') AND table_name <> 'schema_migrations'
         ORDER BY 1, 2`,
    );
    const state: Record<string, unknown[]> = {};
    for (const { schema, name } of tables) {
        const rows = await queryDatabase(url, `SELECT * FROM "${schema}"."${name}"`);
        state[`${schema}.${name}`] = rows.map((row) => JSON.stringify(row)).sort();
    }
    return state;
}

const label = (route: (typeof apiRoutes)[number]) => `${route.method} ${route.path}`;

describe("replay: each retryable write, sent twice, leaves the state of one call", () => {
    let stack: TestStack;
    let databaseUrl: string;
    before(async () => {
        databaseUrl = (await createTestDatabase()).url;
        stack = await startStack(databaseUrl, ["product", "inventory", "cart", "shipping", "notification"]);
    });
    after(() => stack?.stop());

    const retryable = apiRoutes.filter((route) => route.method !== "GET" && retrySafe(route));

    it("has a scenario for exactly the writes the API surface lets a retry replay", () => {
        expect(Object.keys(scenarios).sort()).to.deep.equal(retryable.map(label).sort());
    });

    for (const route of retryable) {
        it(`${label(route)}`, async () => {
            const scenario = scenarios[label(route)];
            if (!scenario) throw new Error(`no replay scenario for ${label(route)}: add one, or mark the route idempotent: false`);
            if (scenario.setup) expect((await scenario.setup(stack)).status, "setup").to.be.within(200, 299);
            const first = await scenario.send(stack);
            expect(first.status, "first call").to.be.within(200, 299);
            const once = await snapshot(databaseUrl);
            const second = await scenario.send(stack);
            expect(second.status, "replay").to.be.below(500);
            expect(await snapshot(databaseUrl)).to.deep.equal(once);
        });
    }

    it("catches a write that is not idempotent: POST /api/cart/:userId/items adds again (why it is idempotent: false)", async () => {
        const add = () => call(stack, "cart", "POST", "/api/cart/r2/items", { productId: "6", quantity: 1 }, asUser("r2"));
        expect((await add()).status).to.equal(201);
        const once = await snapshot(databaseUrl);
        await add();
        expect(await snapshot(databaseUrl)).to.not.deep.equal(once);
        expect(apiRoutes.find((route) => label(route) === "POST /api/cart/:userId/items")?.idempotent).to.equal(false);
    });
});
