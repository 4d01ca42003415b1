import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { mochaArgs, npmCiArgs } from "../../tools/perf/figures";

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
        const noTest = figures("--test", "test/nowhere.test.ts");
        expect(noTest.status).to.equal(2);
        expect(noTest.stderr).to.contain(`--test test/nowhere.test.ts: no such file in ${root}`);
    });

    it("times --test files as each checkout's infra suite runs them: its mocha, its .mocharc's hooks, one run per checkout", () => {
        const mocharc = JSON.parse(readFileSync(path.join(root, ".mocharc.json"), "utf8")) as { require: string[]; extension: string[] };
        const args = mochaArgs(root, ["test/a.test.ts"]);
        expect(args.slice(0, 2)).to.deep.equal([path.join("node_modules", "mocha", "bin", "mocha.js"), "--no-config"]);
        expect(mocharc.require).to.not.be.empty;
        for (const required of mocharc.require) expect(args.slice(args.indexOf(required) - 1, args.indexOf(required) + 1)).to.deep.equal(["-r", required]);
        expect(args.at(-1)).to.equal("test/a.test.ts");
        expect(readFileSync(path.join(root, "docs", "development.md"), "utf8")).to.contain("each `--test <file>`\nadds a timed mocha run of those test files");
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

    it("--npm-test times each checkout's own npm test script, and stops naming it when that fails", () => {
        // A stand-in checkout whose scripts are instant, so the timing path runs without a whole suite.
        const checkout = mkdtempSync(path.join(tmpdir(), "figures-checkout-"));
        try {
            writeFileSync(path.join(checkout, "Pulumi.prod.yaml"), "config: {}\n");
            mkdirSync(path.join(checkout, "node_modules"));
            const scripts = (test: string) => ({ render: "node -e 0 --", check: "node -e 0 --", test });
            writeFileSync(path.join(checkout, "package.json"), JSON.stringify({ name: "stand-in", scripts: scripts("node -e \"setTimeout(() => {}, 300)\"") }));
            const timed = figures("--checkout", checkout, "--npm-test", "--runs", "1", "--no-install");
            expect(timed.status, timed.stderr).to.equal(0);
            expect(timed.stderr).to.contain(`figures: npm test in ${checkout} (run 1 of 1)`);
            const wall = Number(/ {2}npm test: (\d+\.\d) s wall, \d+\.\d s CPU \(median of 1;/.exec(timed.stdout)?.[1]);
            expect(wall, timed.stdout).to.be.at.least(0.3);
            writeFileSync(path.join(checkout, "package.json"), JSON.stringify({ name: "stand-in", scripts: scripts("node -e \"process.exit(3)\"") }));
            const failed = figures("--checkout", checkout, "--npm-test", "--runs", "1", "--no-install");
            expect(failed.status).to.equal(1);
            expect(failed.stderr).to.match(/figures: npm test exited [1-9]/);
        } finally {
            rmSync(checkout, { recursive: true, force: true });
        }
    });
});
