import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { expect } from "chai";
import { npmCiArgs } from "../../tools/perf/figures";

const root = path.resolve(__dirname, "..", "..");
const figures = (...args: string[]) =>
    spawnSync("npm", ["run", "-s", "figures", "--", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, INIT_CWD: root } });

describe("npm run figures", () => {
    it("refuses a bad flag or run count with its usage, exit 2", () => {
        for (const args of [["--runs", "0"], ["--bogus"]]) {
            const result = figures(...args);
            expect(result.status, args.join(" ")).to.equal(2);
            expect(result.stderr).to.contain("usage: npm run figures");
        }
        const notCheckout = figures("--checkout", "/tmp");
        expect(notCheckout.status).to.equal(2);
        expect(notCheckout.stderr).to.contain("--checkout /tmp: not an installed ecommerce-mesh checkout");
    });

    it("prints the prod render's and check's wall and CPU time", () => {
        const result = figures("--runs", "1", "--no-install");
        expect(result.status, result.stderr).to.equal(0);
        expect(result.stdout).to.match(/npm run render -- --stack prod: \d+\.\d s wall, \d+\.\d s CPU \(median of 1;/);
        expect(result.stdout).to.match(/npm run check: \d+\.\d s wall, \d+\.\d s CPU/);
        expect(result.stdout).to.not.contain("clean npm ci");
    });

    it("installs from npm's own cache, or with --cold-cache from an empty folder of its own", () => {
        expect(npmCiArgs()).to.deep.equal(["ci", "--no-audit", "--no-fund"]);
        expect(npmCiArgs("/tmp/figures-npm-cache-x")).to.deep.equal(["ci", "--no-audit", "--no-fund", "--cache", "/tmp/figures-npm-cache-x"]);
    });
});
