// issue 25: a long loadgen run emptied the shelves (72 % of orders 409 after four minutes) and
// said nothing about money. loadgen now restocks through the database as an operator would and
// checks the money invariants there after the run. Real services, real PostgreSQL.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { serviceNames } from "../src/index";
import { EdgeClient } from "../loadgen/client";
import { findDatabase } from "../loadgen/database";
import { formatMoneyCheck, settleMs, watchMoney } from "../loadgen/money";
import { defaultRestock } from "../loadgen/restock";
import { actions } from "../loadgen/scenario";
import { LoadStats } from "../loadgen/stats";
import { fallbackDir } from "../dev/cluster-dir";
import { localDatabaseUrl } from "../dev/postgres";
import { createTestDatabase, queryDatabase } from "./support/database";
import { eventually } from "./support/eventually";
import { asUser } from "./support/http";
import { startStack, type TestStack } from "./support/services";

describe("loadgen: restock and the money invariants after a run", () => {
    let stack: TestStack;
    let databaseUrl: string;
    before(async () => {
        databaseUrl = (await createTestDatabase()).url;
        stack = await startStack(databaseUrl, serviceNames);
    });
    after(() => stack?.stop());

    it("keeps a product of 1 unit on sale for 10 orders in a row (all 201) and finds every invariant holding", async () => {
        // Without a restock the second order of product 3 is 409 "insufficient stock".
        await queryDatabase(databaseUrl, "UPDATE inventory.stock SET available = 1 WHERE product_id = '3'");
        const logged: string[] = [];
        const money = await watchMoney({ url: databaseUrl, from: "the test" }, (line) => logged.push(line), { lowWater: 2, batch: 3, everyMs: 10 });
        const stats = new LoadStats();
        // The order service's own route, called as the gateway would after checking the token of customer 1.
        const client = new EdgeClient(stack.url("order"), stats, asUser("1"));
        const checkout = actions.find((action) => action.name === "checkout")!;
        const shopper = { client, userId: "1", catalogue: [{ id: "3", price: 8999 }], random: () => 0, soldOut: new Set<string>() };
        // Each order waits for the restocker to have put a unit back: two orders inside one 10 ms
        // look (about 5 ms each on a fast machine) would take the 2 at the low-water mark to 0.
        const inStock = () =>
            eventually(async () => {
                const [row] = await queryDatabase<{ available: number }>(databaseUrl, "SELECT available FROM inventory.stock WHERE product_id = '3'");
                expect(row.available, "product 3 restocked").to.be.at.least(1);
            });
        let check: Awaited<ReturnType<typeof money.finish>>;
        try {
            for (let i = 0; i < 10; i++) {
                await inStock();
                await checkout.run(shopper);
            }
        } finally {
            // Also on a failure: a restocker left running keeps mocha's process alive.
            check = await money.finish(5_000);
        }
        expect([...stats.routes.get("POST /api/orders")!.statuses]).to.deep.equal([[201, 10]]);
        expect(check).to.include({ checked: true }).and.to.have.property("broken").that.deep.equals([]);
        if (!check.checked) throw new Error("unreachable");
        expect(check.restocked).to.be.at.least(9);
        expect(formatMoneyCheck(check)).to.match(/^money invariants: all 5 hold in the database \(restocked \d+ units;/);
        expect(logged[0]).to.contain("restocking under 2");
    });

    it("reports stock not conserved when units appear that no restock counted", async () => {
        const money = await watchMoney({ url: databaseUrl, from: "the test" }, () => undefined, { lowWater: 0, batch: 1, everyMs: 1000 });
        await queryDatabase(databaseUrl, "UPDATE inventory.stock SET available = available + 7 WHERE product_id = '5'");
        const check = await money.finish(1_000);
        expect(check.checked && check.broken).to.deep.equal(["stock of 5 not conserved: 1007 accounted, 1000 at start"]);
        expect(formatMoneyCheck(check)).to.contain("money invariants: 1 broken").and.to.contain("  - stock of 5 not conserved");
    });

    it("says why nothing was checked when the database cannot be read", async () => {
        const money = await watchMoney({ url: "postgres://nobody@127.0.0.1:1/none", from: "--database" }, () => undefined);
        const check = await money.finish(1_000);
        expect(formatMoneyCheck(check)).to.match(/^money invariants: not checked \(cannot read the database of --database: .*ECONNREFUSED/);
    });
});

describe("loadgen: where the shop's database is", () => {
    const made: string[] = [];
    const stateDir = () => {
        const dir = mkdtempSync(path.join(tmpdir(), "loadgen-db-"));
        made.push(dir, fallbackDir(dir));
        return dir;
    };
    after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
    const pidFile = (dir: string, port: number) => {
        mkdirSync(path.join(dir, "data"), { recursive: true });
        // PostgreSQL's postmaster.pid: pid, data directory, start time, port, socket directory, ...
        writeFileSync(path.join(dir, "data", "postmaster.pid"), `4242\n${dir}/data\n1700000000\n${port}\n${dir}/run\n127.0.0.1\n`);
    };

    it("takes --database first, then DATABASE_URL", () => {
        expect(findDatabase("postgres://a/x", "http://127.0.0.1:8080", { DATABASE_URL: "postgres://b/y" })).to.deep.equal({ url: "postgres://a/x", from: "--database" });
        expect(findDatabase(undefined, "http://shop.example.com", { DATABASE_URL: "postgres://b/y" })).to.deep.equal({ url: "postgres://b/y", from: "DATABASE_URL" });
    });

    it("finds npm run dev's cluster for a loopback target, in the state directory or its /var/tmp fallback", () => {
        const dir = stateDir();
        pidFile(dir, 45678);
        expect(findDatabase(undefined, "http://127.0.0.1:8080", { DEV_STATE_DIR: dir })).to.deep.equal({ url: localDatabaseUrl(45678), from: `npm run dev's cluster in ${dir}` });
        const moved = stateDir();
        pidFile(fallbackDir(moved), 45679);
        expect(findDatabase(undefined, "http://localhost:8080", { DEV_STATE_DIR: moved }).url).to.equal(localDatabaseUrl(45679));
    });

    it("says why for a remote target or when no cluster runs", () => {
        expect(findDatabase(undefined, "http://shop.example.com", {})).to.deep.equal({
            why: "shop.example.com is not this machine: pass --database <url> (or DATABASE_URL) to restock and check the invariants",
        });
        const none = stateDir();
        expect(findDatabase(undefined, "http://127.0.0.1:8080", { DEV_STATE_DIR: none })).to.have.property("why").that.contains(`no running npm run dev cluster in ${none}`);
    });
});

describe("loadgen: the services README", () => {
    it("states the restock policy and the settle wait the code uses", () => {
        const readme = readFileSync(path.join(__dirname, "..", "README.md"), "utf8").replace(/\s+/g, " ");
        expect(defaultRestock.everyMs).to.equal(1000);
        expect(readme).to.contain(`every second a product under ${defaultRestock.lowWater} units gets ${defaultRestock.batch} more`);
        expect(readme).to.contain(`waits up to ${settleMs / 1000} s for pending orders`);
    });
});
