// DATABASE_STATEMENT_TIMEOUT_MS (issue 25, item 8): a query stuck behind a lock fails after the
// timeout instead of holding a pooled connection, and the request gets an answer.
import { expect } from "chai";
import pg from "pg";
import { createTestDatabase } from "./support/database";
import { startStack, type TestStack } from "./support/services";

describe("database statement timeout", () => {
    let stack: TestStack;
    let databaseUrl: string;
    before(async () => {
        databaseUrl = (await createTestDatabase()).url;
        stack = await startStack(databaseUrl, ["inventory"], { DATABASE_STATEMENT_TIMEOUT_MS: "300" });
    });
    after(() => stack?.stop());

    it("answers 5xx within about the timeout while a table lock holds the query (was: waited for the lock)", async () => {
        const locker = new pg.Client({ connectionString: databaseUrl });
        await locker.connect();
        await locker.query("BEGIN");
        await locker.query("LOCK TABLE inventory.stock IN ACCESS EXCLUSIVE MODE");
        try {
            const started = Date.now();
            const answer = await fetch(`${stack.url("inventory")}/api/inventory/1`, { signal: AbortSignal.timeout(3_000) });
            expect(answer.status).to.be.at.least(500);
            expect(Date.now() - started).to.be.below(2_000);
        } finally {
            await locker.query("ROLLBACK");
            await locker.end();
        }
    });
});
