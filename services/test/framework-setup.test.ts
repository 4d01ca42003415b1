import { execFileSync } from "node:child_process";
import path from "node:path";
import { expect } from "chai";
import { loadConfig } from "../src/index";
import { runService } from "../src/runtime/server";
import { createTestDatabase } from "./support/database";
import { testEnv } from "./support/services";
import { runFromSources } from "../dev/typescript";

describe("the services' Fastify setup", () => {
    let databaseUrl: string;
    before(async () => {
        databaseUrl = (await createTestDatabase()).url;
    });

    it("serves without loading Fastify's JSON-schema compilers (ajv, fast-json-stringify)", () => {
        // In a process of its own: other tests in this one may load ajv for their own reasons.
        const probe = `
            const { loadConfig, startService } = require("./src/index");
            const env = ${JSON.stringify(testEnv("product", "DATABASE"))};
            env.DATABASE_URL = process.env.PROBE_DATABASE_URL;
            startService(loadConfig(env)).then(async (service) => {
                // Fastify's error serializer is prebuilt on fast-json-stringify's small runtime; the compiler is its index.
                const loaded = Object.keys(require.cache).filter((f) => /[\\\\/]node_modules[\\\\/](ajv[\\\\/]|fast-json-stringify[\\\\/]index\\.js)/.test(f));
                await service.close();
                console.log(JSON.stringify(loaded));
            });`;
        const out = execFileSync(process.execPath, [...runFromSources, "-e", probe], {
            cwd: path.join(__dirname, ".."),
            env: { ...process.env, PROBE_DATABASE_URL: databaseUrl },
            encoding: "utf8",
        });
        expect(JSON.parse(out.trim().split("\n").pop()!)).to.deep.equal([]);
    });

    it("refuses to start a route that declares a JSON schema, naming zod as the way to validate", async () => {
        const config = loadConfig(testEnv("user", databaseUrl));
        const schemaRoute = {
            name: "user" as const,
            migrations: [],
            registerRoutes: (app: import("fastify").FastifyInstance) => {
                app.post("/api/schema", { schema: { body: { type: "object" } } }, async () => ({}));
            },
        };
        let failure: Error | undefined;
        try {
            const running = await runService(schemaRoute, config);
            await running.close();
        } catch (error) {
            failure = error as Error;
        }
        expect(failure?.message).to.match(/validate their input with zod/);
    });
});
