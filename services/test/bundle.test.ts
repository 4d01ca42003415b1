// The services ship as one bundled script (scripts/bundle.js): these tests build it and check what
// it holds, that its stack traces still name the TypeScript sources, and that the packages
// left out of it are not loaded at start.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { Child } from "../dev/child";
import { serviceNodeFlags } from "../dev/node-flags";
import { freePort } from "../dev/ports";
import { productProcess } from "./e2e/from-sources";
import { buildTestBundle, loadedOnDemand, type TestBundle } from "./support/bundle";

interface Started {
    readonly child: Child;
    /** Every line the process printed so far. */
    readonly lines: string[];
}

/** Starts the bundle against a database port nobody listens on, keeping all it prints. */
async function startAgainstNoDatabase(script: string, env: NodeJS.ProcessEnv = {}): Promise<Started> {
    const lines: string[] = [];
    const child = productProcess(
        [process.execPath, ...serviceNodeFlags, script],
        await freePort(),
        { DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/ecommerce`, ...env },
        (line) => lines.push(line),
    );
    return { child, lines };
}

/** The first line that matches, waiting for it up to timeoutMs. */
async function lineMatching({ child, lines }: Started, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const line = lines.find((candidate) => pattern.test(candidate));
        if (line) return line;
        if (Date.now() > deadline || !child.running) {
            throw new Error(`no line matching ${pattern} within ${timeoutMs} ms; ${child.describeExit()}:\n${lines.slice(-20).join("\n")}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}

describe("the services bundle", function () {
    this.timeout(60_000);
    let built: TestBundle;
    let script: string;
    let outdir: string;
    /** The source map's `sources`: every file the bundle holds, relative to outdir. */
    let sources: string[];

    before(async () => {
        built = await buildTestBundle();
        script = built.script;
        outdir = path.dirname(script);
        sources = (JSON.parse(readFileSync(`${script}.map`, "utf8")) as { sources: string[] }).sources;
    });
    after(() => built.remove());

    it("is one script and its source map, built from src/main.ts", () => {
        expect(readdirSync(outdir).sort()).to.deep.equal(["main.js", "main.js.map"]);
        const files = sources.map((source) => path.resolve(outdir, source));
        expect(files).to.include(path.resolve(__dirname, "..", "src", "main.ts"));
        expect(files).to.include(path.resolve(__dirname, "..", "src", "runtime", "server.ts"));
    });

    it("holds zod's English messages but none of its other locales", () => {
        const locales = sources.filter((source) => source.includes("/zod/v4/locales/"));
        expect(locales.map((source) => path.basename(source))).to.deep.equal(["en.js"]);
    });

    it("leaves out every package that is loaded on demand", () => {
        for (const name of loadedOnDemand) {
            expect(sources.filter((source) => source.includes(`/node_modules/${name}/`)), name).to.deep.equal([]);
        }
    });

    it("logs stack traces that name the TypeScript file, line and function", async () => {
        const started = await startAgainstNoDatabase(script);
        try {
            const line = await lineMatching(started, /database not reachable yet/);
            const stack = (JSON.parse(line) as { err: { stack: string } }).err.stack;
            expect(stack).to.match(/at async migrateUntilDone \(.*src\/runtime\/startup\.ts:\d+:\d+\)/);
            expect(stack).to.match(/at async main \(.*src\/main\.ts:\d+:\d+\)/);
        } finally {
            await started.child.stop(5_000);
        }
    });

    it("loads none of the on-demand packages while it starts", async () => {
        // NODE_DEBUG=module makes Node's CommonJS loader report every file it loads.
        const started = await startAgainstNoDatabase(script, { NODE_DEBUG: "module" });
        try {
            await lineMatching(started, /database not reachable yet/);
            const loaded = started.lines.filter((line) => /^MODULE \d+: load "/.test(line));
            expect(loaded.length, "loader output").to.be.greaterThan(0);
            for (const name of loadedOnDemand) {
                expect(loaded.filter((entry) => entry.includes(`/node_modules/${name}/`)), name).to.deep.equal([]);
            }
        } finally {
            await started.child.stop(5_000);
        }
    });
});
