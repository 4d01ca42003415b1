import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { ConfigError, loadConfig, serviceNames, urlVariable } from "../src/index";
import { environmentVariables } from "../src/runtime/config";
import { runFromSources } from "../dev/typescript";

const database = { DATABASE_URL: "postgres://app:secret@db.internal:5432/shop" };

function errorFor(env: Record<string, string>): string {
    try {
        loadConfig(env);
    } catch (error) {
        expect(error).to.be.instanceOf(ConfigError);
        return (error as Error).message;
    }
    throw new Error("expected a ConfigError");
}

describe("configuration from the environment", () => {
    it("applies the documented defaults", () => {
        const config = loadConfig({ SERVICE_NAME: "payment", ...database });
        expect(config).to.deep.include({
            service: "payment",
            version: "v1",
            port: 8080,
            host: "0.0.0.0",
            otelServiceName: "payment",
            logLevel: "info",
            paymentFailureRate: 0.1,
            chaos: { enabled: false, port: 9901 },
            paymentOutageRate: 0,
            bodyLimitBytes: 65536,
            shutdownGraceMs: 10000,
            shutdownDelayMs: 2000,
            downstreamTimeoutMs: 3000,
            otlpEndpoint: undefined,
        });
        expect(config.orderSweep).to.deep.equal({ intervalMs: 30000, ageMs: 60000, maxAttempts: 10 });
        expect(config.downstreams).to.deep.equal({});
    });

    it("requires exactly the URLs of the services a service calls, without trailing slashes", () => {
        const urls = { PRODUCT_URL: "http://product/", INVENTORY_URL: "http://inventory.ecommerce.svc.cluster.local" };
        expect(loadConfig({ SERVICE_NAME: "cart", ...database, ...urls, PAYMENT_URL: "ignored" }).downstreams).to.deep.equal({
            product: "http://product",
            inventory: "http://inventory.ecommerce.svc.cluster.local",
        });
        expect(errorFor({ SERVICE_NAME: "order", ...database, ...urls })).to.equal(
            "invalid environment: PAYMENT_URL is not set; expected an http:// or https:// URL (order calls payment)",
        );
    });

    it("names the bad variable and what is allowed, in one line", () => {
        expect(errorFor({ ...database })).to.equal(
            "invalid environment: SERVICE_NAME is not set; expected one of product|cart|order|payment|user|inventory|shipping|notification",
        );
        expect(errorFor({ SERVICE_NAME: "user", ...database, PORT: "http" })).to.equal(
            'invalid environment: PORT is "http"; expected an integer from 0 to 65535',
        );
        expect(errorFor({ SERVICE_NAME: "payment", ...database, PAYMENT_FAILURE_RATE: "1.5" })).to.equal(
            'invalid environment: PAYMENT_FAILURE_RATE is "1.5"; expected a number from 0 to 1',
        );
        expect(errorFor({ SERVICE_NAME: "user", ...database, LOG_LEVEL: "loud" })).to.match(/^invalid environment: LOG_LEVEL is "loud"; expected one of fatal\|/);
    });

    it("never echoes the database URL, which holds the password", () => {
        expect(errorFor({ SERVICE_NAME: "user", DATABASE_URL: "mysql://app:secret@db/shop" })).to.equal(
            "invalid environment: DATABASE_URL is not valid; expected a postgres:// or postgresql:// URL",
        );
    });

    it("the entry point prints only that line and exits 1", () => {
        const result = spawnSync(process.execPath, [...runFromSources, join(__dirname, "../src/main.ts")], {
            env: { PATH: process.env.PATH, SERVICE_NAME: "warehouse", DATABASE_URL: database.DATABASE_URL },
            encoding: "utf8",
            cwd: join(__dirname, ".."),
        });
        expect(result.status).to.equal(1);
        expect(result.stderr).to.equal(
            "invalid environment: SERVICE_NAME is \"warehouse\"; expected one of product|cart|order|payment|user|inventory|shipping|notification\n",
        );
        expect(result.stdout).to.equal("");
    });

    it("documents every variable it reads, and only those, in the README's environment contract", () => {
        const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
        const section = readme.split("## Environment contract")[1].split("\n## ")[0];
        const documented = [...section.matchAll(/^\| ((?:`[A-Z_]+`(?:, )?)+) \|/gm)].flatMap((row) => [...row[1].matchAll(/`([A-Z_]+)`/g)].map((name) => name[1]));
        const urls = serviceNames.map(urlVariable);
        expect([...documented].sort()).to.deep.equal([...environmentVariables, ...urls].sort());
    });
});
