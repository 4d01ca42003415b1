import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect } from "chai";
import { loadConfig, migrateService, serviceNames } from "../src/index";
import { createTestDatabase, queryDatabase } from "./support/database";
import { runFromSources } from "../dev/typescript";

describe("schema migrations", () => {
    it("applies each version once when replicas (and product v1 next to v2) migrate at the same time", async () => {
        const { url } = await createTestDatabase();
        const config = loadConfig({ SERVICE_NAME: "product", DATABASE_URL: url, LOG_LEVEL: "silent" });
        const runs = await Promise.all([migrateService(config), migrateService(config), migrateService({ ...config, version: "v2" })]);
        expect(runs.flat().sort()).to.deep.equal([1, 2, 3, 4]);
        const applied = await queryDatabase(url, "SELECT version, name FROM product.schema_migrations ORDER BY version");
        expect(applied).to.deep.equal([
            { version: 1, name: "catalogue" },
            { version: 2, name: "ratings" },
            { version: 3, name: "notify catalogue changes" },
            { version: 4, name: "rating totals per product" },
        ]);
        expect(await migrateService(config)).to.deep.equal([]);
    });

    it("gives every service its own schema named after it", async () => {
        const { url } = await createTestDatabase();
        for (const service of serviceNames) {
            const urls = { PRODUCT_URL: "http://p", INVENTORY_URL: "http://i", PAYMENT_URL: "http://pay", SHIPPING_URL: "http://s", NOTIFICATION_URL: "http://n", USER_URL: "http://u" };
            await migrateService(loadConfig({ SERVICE_NAME: service, DATABASE_URL: url, LOG_LEVEL: "silent", ...urls }));
        }
        const schemas = await queryDatabase(url, "SELECT schema_name FROM information_schema.schemata WHERE schema_name = ANY($1) ORDER BY 1", [[...serviceNames]]);
        expect(schemas.map((row) => row.schema_name)).to.deep.equal([...serviceNames].sort());
    });

    it("`main.js migrate` only migrates, prints what it applied and exits 0", async () => {
        const { url } = await createTestDatabase();
        const result = spawnSync(process.execPath, [...runFromSources, join(__dirname, "../src/main.ts"), "migrate"], {
            cwd: join(__dirname, ".."),
            env: { PATH: process.env.PATH, SERVICE_NAME: "inventory", DATABASE_URL: url, LOG_LEVEL: "silent" },
            encoding: "utf8",
        });
        expect(result.status).to.equal(0);
        expect(JSON.parse(result.stdout)).to.deep.equal({ service: "inventory", migrationsApplied: [1, 2] });
        const stock = await queryDatabase(url, "SELECT available FROM inventory.stock WHERE product_id = '1'");
        expect(stock).to.deep.equal([{ available: 10000 }]);
    });
});
