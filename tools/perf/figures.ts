// `npm run figures [-- --runs N] [--checkout <dir>]... [--no-install] [--cold-cache]`: the wall
// time (and CPU time) of `npm run render -- --stack prod` and `npm run check`, median of N runs,
// and of a clean `npm ci` in a copy of the checkout with the size of what it installed
// (with `--cold-cache`, from an empty npm cache, so the registry downloads are timed too). Each
// `--checkout` (e.g. the commit before a change, then this one) is measured the same way,
// runs interleaved, so a busy machine weighs on all of them alike. Each `--test <file>` adds
// one mocha run of those files per checkout (the infra suite's way), to time a change to the
// tests' own set-up, such as the captures they share. `--npm-test` times each checkout's whole
// `npm test` (its own script, whatever it runs), for a change to the suites themselves.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

const usage = "usage: npm run figures [-- --runs <1-20, default 3>] [--checkout <dir, default this one>]... [--test <file>]... [--npm-test] [--no-install] [--cold-cache]";

/** CPU ms of this process's finished children (utime + stime of waited-for children, /proc). */
function childrenCpuMs(): number {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

interface Timing {
    wallS: number;
    cpuS: number;
}

function run(label: string, command: string, args: string[], cwd: string): Timing {
    const cpu = childrenCpuMs();
    const started = performance.now();
    const result = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, INIT_CWD: cwd } });
    const timing = { wallS: (performance.now() - started) / 1000, cpuS: (childrenCpuMs() - cpu) / 1000 };
    if (result.status !== 0) {
        throw new Error(`${label} exited ${result.status}:\n${(result.stderr ?? "").split("\n").slice(-15).join("\n")}`);
    }
    return timing;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function summary(timings: Timing[]): string {
    return `${median(timings.map((t) => t.wallS)).toFixed(1)} s wall, ${median(timings.map((t) => t.cpuS)).toFixed(1)} s CPU (median of ${timings.length}; walls ${timings.map((t) => t.wallS.toFixed(1)).join(", ")})`;
}

function sizeOf(dir: string): number {
    let total = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) total += sizeOf(full);
        else if (entry.isFile()) total += statSync(full).size;
    }
    return total;
}

/** Every node_modules folder npm created under `dir` (root, and nested installs of sub-packages). */
function nodeModulesSize(dir: string): number {
    return ["", "policies", "services"]
        .map((sub) => path.join(dir, sub, "node_modules"))
        .filter((folder) => existsSync(folder))
        .reduce((sum, folder) => sum + sizeOf(folder), 0);
}

/** `npm ci`'s arguments; with a cache folder (empty, for --cold-cache) npm downloads every package into it. */
export function npmCiArgs(cache?: string): string[] {
    return ["ci", "--no-audit", "--no-fund", ...(cache ? ["--cache", cache] : [])];
}

/** mocha's arguments for `files`, as the checkout's infra suite runs them: its .mocharc's hooks, without its reporter. */
export function mochaArgs(checkout: string, files: readonly string[]): string[] {
    const { require: hooks = [] } = JSON.parse(readFileSync(path.join(checkout, ".mocharc.json"), "utf8")) as { require?: string[] };
    return [path.join("node_modules", "mocha", "bin", "mocha.js"), "--no-config", ...hooks.flatMap((hook) => ["-r", hook]), "--extension", "ts", "--timeout", "120000", "--reporter", "dot", ...files];
}

/** Copies what `npm ci` reads (the tracked files) into a fresh dir, installs there, measures. */
function install(checkout: string, npm: string, coldCache: boolean): string {
    const scratch = mkdtempSync(path.join(tmpdir(), "figures-install-"));
    const cache = coldCache ? mkdtempSync(path.join(tmpdir(), "figures-npm-cache-")) : undefined;
    try {
        const tracked = spawnSync("git", ["ls-files", "-z"], { cwd: checkout, encoding: "utf8" });
        if (tracked.status !== 0) throw new Error(`${checkout} is not a git checkout`);
        for (const file of tracked.stdout.split("\0").filter(Boolean)) {
            cpSync(path.join(checkout, file), path.join(scratch, file));
        }
        const timing = run("npm ci", npm, npmCiArgs(cache), scratch);
        const mb = nodeModulesSize(scratch) / 1e6;
        const how = cache ? "npm's cache empty: the registry downloads are timed" : "npm's cache warm: the registry is not timed";
        return `${timing.wallS.toFixed(1)} s wall, ${timing.cpuS.toFixed(1)} s CPU, ${mb.toFixed(0)} MB of node_modules (${how})`;
    } finally {
        rmSync(scratch, { recursive: true, force: true });
        if (cache) rmSync(cache, { recursive: true, force: true });
    }
}

function main(): void {
    let values;
    try {
        ({ values } = parseArgs({
            options: { runs: { type: "string", default: "3" }, checkout: { type: "string", multiple: true }, test: { type: "string", multiple: true }, "npm-test": { type: "boolean", default: false }, "no-install": { type: "boolean", default: false }, "cold-cache": { type: "boolean", default: false } },
        }));
    } catch (error) {
        console.error(`figures: ${(error as Error).message}\n${usage}`);
        process.exit(2);
    }
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1 || runs > 20) {
        console.error(`figures: bad --runs "${values.runs}"\n${usage}`);
        process.exit(2);
    }
    const checkouts = (values.checkout ?? [path.join(__dirname, "..", "..")]).map((dir) => path.resolve(process.env.INIT_CWD ?? process.cwd(), dir));
    for (const checkout of checkouts) {
        if (!existsSync(path.join(checkout, "Pulumi.prod.yaml")) || !existsSync(path.join(checkout, "node_modules"))) {
            console.error(`figures: --checkout ${checkout}: not an installed ecommerce-mesh checkout (needs Pulumi.prod.yaml and node_modules)`);
            process.exit(2);
        }
        const missing = (values.test ?? []).find((file) => !existsSync(path.join(checkout, file)));
        if (missing) {
            console.error(`figures: --test ${missing}: no such file in ${checkout}`);
            process.exit(2);
        }
    }
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const out = mkdtempSync(path.join(tmpdir(), "figures-render-"));
    try {
        console.error(`figures: ${checkouts.join(", ")}; ${runs} run(s) each, interleaved`);
        const render = checkouts.map(() => [] as Timing[]);
        const check = checkouts.map(() => [] as Timing[]);
        const tests = checkouts.map(() => [] as Timing[]);
        const npmTests = checkouts.map(() => [] as Timing[]);
        for (let i = 0; i < runs; i++) {
            checkouts.forEach((dir, c) => render[c].push(run("render", npm, ["run", "-s", "render", "--", "--stack", "prod", "--out", out], dir)));
            checkouts.forEach((dir, c) => check[c].push(run("check", npm, ["run", "-s", "check"], dir)));
            if (values.test) checkouts.forEach((dir, c) => tests[c].push(run("tests", process.execPath, mochaArgs(dir, values.test!), dir)));
            if (values["npm-test"]) {
                checkouts.forEach((dir, c) => {
                    console.error(`figures: npm test in ${dir} (run ${i + 1} of ${runs}): minutes`);
                    npmTests[c].push(run("npm test", npm, ["test"], dir));
                });
            }
        }
        const lines = checkouts.flatMap((checkout, c) => [
            `checkout: ${checkout}`,
            `  npm run render -- --stack prod: ${summary(render[c])}`,
            `  npm run check: ${summary(check[c])}`,
            ...(values.test ? [`  mocha ${values.test.length} test file(s): ${summary(tests[c])}`] : []),
            ...(values["npm-test"] ? [`  npm test: ${summary(npmTests[c])}`] : []),
            ...(values["no-install"] ? [] : [`  clean npm ci: ${install(checkout, npm, values["cold-cache"])}`]),
        ]);
        lines.push(`load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} on ${cpus().length} CPUs`);
        process.stdout.write(`${lines.join("\n")}\n`);
    } catch (error) {
        console.error(`figures: ${(error as Error).message}`);
        process.exitCode = 1;
    } finally {
        rmSync(out, { recursive: true, force: true });
    }
}

if (require.main === module) main();
