// issue 25, item 8: readiness shared the pool, so a pod whose every connection was busy (load,
// not an outage) queued its probe, timed out and went unready, taking more capacity away.
import { expect } from "chai";
import { createTestDatabase } from "./support/database";
import { get } from "./support/http";
import { startStack, type TestStack } from "./support/services";

describe("readiness with every pooled connection busy", () => {
    let stack: TestStack;
    before(async () => {
        stack = await startStack((await createTestDatabase()).url, ["inventory"], { DATABASE_POOL_MAX: "1" });
    });
    after(() => stack?.stop());

    it("stays ready while connections keep coming back (was: 503 'database unreachable')", async () => {
        const inventory = stack.service("inventory");
        expect((await get(`${inventory.url}/api/inventory/1`)).status).to.equal(200); // a connection came back just now
        const held = await inventory.db.pool.connect();
        try {
            const ready = await get(`${inventory.url}/health/ready`);
            expect(ready.status, JSON.stringify(ready.body)).to.equal(200);
        } finally {
            held.release();
        }
    });

    it("still probes when the pool has room, and answers ready", async () => {
        expect((await get(`${stack.url("inventory")}/health/ready`)).status).to.equal(200);
    });
});
