// The deployed shape of the data tier: a server that only accepts TLS (as Azure's Flexible
// Server with require_secure_transport), an admin that is not a superuser, and each service
// logging in as its own role made by the bootstrap Job's code.
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import pg from "pg";
import { databaseUrlKey, loginRole, loginsFromEnv, provisionLogins } from "../src/bootstrap/logins";
import { loadConfig, migrateService, serviceNames } from "../src/index";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../scripts/throwaway-postgres";
import { get } from "./support/http";
import { startStack, type TestStack } from "./support/services";

describe("a TLS-only PostgreSQL with one login per service", function () {
    this.timeout(120_000);
    let server: ThrowawayPostgres;
    let certDir: string;
    let certFile: string;
    let adminUrl: string;
    const passwords = Object.fromEntries(serviceNames.map((service) => [service, `pw-${service}-${Math.random().toString(36).slice(2)}`]));
    const tlsUrl = (user: string, password: string, database = "ecommerce") =>
        `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${server.port}/${database}?sslmode=require&sslrootcert=${encodeURIComponent(certFile)}`;

    before(async () => {
        // A self-signed certificate for 127.0.0.1, made here; the key readable by the server only.
        certDir = mkdtempSync(join(tmpdir(), "ecommerce-mesh-tls-"));
        certFile = join(certDir, "server.crt");
        const keyFile = join(certDir, "server.key");
        execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyFile, "-out", certFile], { stdio: "ignore" });
        chmodSync(keyFile, 0o600);
        if (process.getuid?.() === 0) {
            const uid = Number(execFileSync("id", ["-u", "postgres"]).toString());
            chownSync(keyFile, uid, Number(execFileSync("id", ["-g", "postgres"]).toString()));
            chmodSync(certDir, 0o755);
        }
        server = await startThrowawayPostgres({ tls: { certFile, keyFile } });
        // As on Azure: the admin may create roles and owns the database, but is no superuser.
        const setup = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${server.port}/postgres?sslmode=require&sslrootcert=${encodeURIComponent(certFile)}` });
        await setup.connect();
        await setup.query("CREATE ROLE ecommerceadmin LOGIN CREATEROLE PASSWORD 'admin-pw'");
        await setup.query("CREATE DATABASE ecommerce OWNER ecommerceadmin");
        await setup.end();
        adminUrl = tlsUrl("ecommerceadmin", "admin-pw");
    });

    after(() => {
        server?.stop();
        rmSync(certDir, { recursive: true, force: true });
    });

    it("refuses a connection without TLS", async () => {
        const plain = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${server.port}/postgres?sslmode=disable` });
        const error = await plain.connect().then(() => undefined, (e: Error) => e);
        await plain.end().catch(() => {});
        expect(error?.message).to.match(/no pg_hba\.conf entry .* no encryption|rejects connection/);
    });

    it("creates each service's role from the URLs the Job is given, idempotently", async () => {
        const env = Object.fromEntries(serviceNames.map((service) => [databaseUrlKey(service), tlsUrl(loginRole(service), passwords[service])]));
        const logins = loginsFromEnv(env);
        await provisionLogins(adminUrl, logins);
        await provisionLogins(adminUrl, logins); // a rerun (a rotation) must not fail
        const admin = new pg.Client({ connectionString: adminUrl });
        await admin.connect();
        const owners = await admin.query("SELECT nspname, pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = ANY($1) ORDER BY 1", [[...serviceNames]]);
        await admin.end();
        expect(owners.rows).to.deep.equal([...serviceNames].sort().map((service) => ({ nspname: service, owner: loginRole(service) })));
    });

    it("serves over TLS with sslmode=require as the service's own login, after migrating concurrently", async () => {
        const url = tlsUrl(loginRole("inventory"), passwords.inventory);
        const config = loadConfig({ SERVICE_NAME: "inventory", DATABASE_URL: url, LOG_LEVEL: "silent" });
        const runs = await Promise.all([migrateService(config), migrateService(config), migrateService(config)]);
        expect(runs.flat()).to.deep.equal([1, 2]);
        let stack: TestStack | undefined;
        try {
            stack = await startStack(url, ["inventory"]);
            const ready = await get(`${stack.url("inventory")}/health/ready`);
            expect(ready.status).to.equal(200);
            const client = new pg.Client({ connectionString: url });
            await client.connect();
            const session = await client.query("SELECT current_user AS login, ssl FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE pid = pg_backend_pid()");
            expect(session.rows).to.deep.equal([{ login: "inventory_app", ssl: true }]);
            // Its own schema only: another service's tables and new schemas are off limits.
            const denied = await client.query("CREATE SCHEMA intruder").then(() => "created", (e: Error) => e.message);
            expect(denied).to.match(/permission denied/);
            await client.end();
        } finally {
            await stack?.stop();
        }
    });
});
