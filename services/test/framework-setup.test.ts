import { expect } from "chai";
import { loadConfig } from "../src/index";
import { runService } from "../src/runtime/server";
import { createTestDatabase } from "./support/database";
import { startStack, testEnv } from "./support/services";

describe("the services' Fastify setup", () => {
    let databaseUrl: string;
    before(async () => {
        databaseUrl = (await createTestDatabase()).url;
    });

    it("serves every service without loading Fastify's JSON-schema compilers (ajv, fast-json-stringify)", async () => {
        const stack = await startStack(databaseUrl, ["product", "cart", "order", "user"]);
        try {
            // Fastify's error serializer is prebuilt on fast-json-stringify's small runtime; the compiler is its index.
            const loaded = Object.keys(require.cache).filter((file) => /[\\/]node_modules[\\/](ajv[\\/]|fast-json-stringify[\\/]index\.js)/.test(file));
            expect(loaded).to.deep.equal([]);
        } finally {
            await stack.stop();
        }
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
