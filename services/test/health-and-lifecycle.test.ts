import { expect } from "chai";
import { createTestDatabase, adminQuery, queryDatabase } from "./support/database";
import { asUser, get } from "./support/http";
import { startStack, type TestStack } from "./support/services";

describe("health, metrics, errors and graceful stop", () => {
    let stack: TestStack;
    let database: { name: string; url: string };
    let base: string;

    before(async () => {
        database = await createTestDatabase();
        stack = await startStack(database.url, ["user"]);
        base = stack.url("user");
    });
    after(() => stack?.stop());

    it("reports live, started and ready once migrations ran", async () => {
        for (const probe of ["live", "startup", "ready"]) {
            const answer = await get(`${base}/health/${probe}`);
            expect(answer.status, probe).to.equal(200);
            expect(answer.body).to.deep.equal({ status: "ok" });
        }
        const migrations = await queryDatabase(database.url, "SELECT version, name FROM \"user\".schema_migrations");
        expect(migrations).to.deep.equal([{ version: 1, name: "users" }]);
    });

    it("exposes request, downstream, business and process metrics for Prometheus", async () => {
        await get(`${base}/api/users/1`, asUser("1"));
        const metrics = (await get(`${base}/metrics`)).body as string;
        expect(metrics).to.match(/http_requests_total\{method="GET",route="\/api\/users\/:id",status="200",service="user",version="v1"\} [1-9]/);
        expect(metrics).to.contain("http_request_duration_seconds_bucket{le=");
        expect(metrics).to.contain("# TYPE downstream_requests_total counter");
        expect(metrics).to.contain("# TYPE business_events_total counter");
        expect(metrics).to.contain("process_resident_memory_bytes");
    });

    it("answers a generic 500 without a stack trace when a query fails", async () => {
        await queryDatabase(database.url, 'ALTER TABLE "user".users RENAME TO users_gone');
        try {
            const answer = await get(`${base}/api/users/1`, asUser("1"));
            expect(answer.status).to.equal(500);
            expect(answer.body).to.deep.equal({ error: "internal server error" });
        } finally {
            await queryDatabase(database.url, 'ALTER TABLE "user".users_gone RENAME TO users');
        }
    });

    it("turns not ready and answers 503 while the database is unreachable, and recovers when it is back", async () => {
        await adminQuery(`ALTER DATABASE ${database.name} ALLOW_CONNECTIONS false`);
        await adminQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [database.name]);
        try {
            const down = await get(`${base}/health/ready`);
            expect(down.status).to.equal(503);
            expect(down.body).to.deep.equal({ error: "not ready: database unreachable", details: { status: "database unreachable" } });
            expect((await get(`${base}/health/live`)).status).to.equal(200);
            const query = await get(`${base}/api/users/1`, asUser("1"));
            expect(query.status).to.equal(503);
            expect(query.body).to.deep.equal({ error: "database unavailable, try again" });
        } finally {
            await adminQuery(`ALTER DATABASE ${database.name} ALLOW_CONNECTIONS true`);
        }
        expect((await get(`${base}/health/ready`)).status).to.equal(200);
        expect((await get(`${base}/api/users/1`, asUser("1"))).status).to.equal(200);
    });
});

describe("graceful stop", () => {
    it("reports not ready first, keeps serving during the delay, then stops accepting", async () => {
        const stack = await startStack((await createTestDatabase()).url, ["product"], { SHUTDOWN_DELAY_MS: "2000", SHUTDOWN_GRACE_MS: "5000" });
        const base = stack.url("product");
        const closing = stack.service("product").close();
        // The two requests below must land inside the delay: 1.9 s of room for a busy machine.
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect((await get(`${base}/health/ready`)).body).to.deep.equal({ error: "not ready: shutting down", details: { status: "shutting down" } });
        expect((await get(`${base}/api/products/1`)).status).to.equal(200);
        expect(await closing).to.equal(true);
        const refused = await get(`${base}/health/live`).then(
            () => "answered",
            () => "refused",
        );
        expect(refused).to.equal("refused");
    });

    it("lets an in-flight request finish before the process stops", async () => {
        const database = await createTestDatabase();
        const stack = await startStack(database.url, ["user"], { SHUTDOWN_GRACE_MS: "5000" });
        const service = stack.service("user");
        // Holds a row lock so the next update waits until the test releases it.
        const { default: pg } = await import("pg");
        const blocker = new pg.Client({ connectionString: database.url });
        await blocker.connect();
        await blocker.query("BEGIN");
        await blocker.query('LOCK TABLE "user".users IN ACCESS EXCLUSIVE MODE');
        const inFlight = get(`${service.url}/api/users/1`, asUser("1"));
        await new Promise((resolve) => setTimeout(resolve, 150));
        const closing = service.close();
        await new Promise((resolve) => setTimeout(resolve, 150));
        await blocker.query("COMMIT");
        await blocker.end();
        expect((await inFlight).status).to.equal(200);
        expect(await closing).to.equal(true);
    });
});
