// verify and promote on the dev stack, end to end on one machine: every service as a process,
// the router following a copy of Pulumi.dev.yaml as `npm run dev` does, Debian's Prometheus
// scraping them, real traffic, and the two CLIs run as a user runs them.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { failInstance } from "../../services/dev/chaos-file";
import { openDevIssuer } from "../../services/dev/issuer";
import { startLocalPrometheus, type LocalPrometheus } from "../../services/dev/prometheus";
import type { RunningStack } from "../../services/dev/stack";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../../services/scripts/throwaway-postgres";
import { stackFromSources, startupTimeoutMs } from "../../services/test/e2e/from-sources";
import { seededRandom } from "../../services/test/e2e/seeded-random";
import { lockFile } from "../../tools/promote/lock";
import { StackFileTarget } from "../../tools/promote/target";
import { loadStackInput } from "../../tools/render/evaluate";
import { localPrometheusSpec } from "../../tools/devPrometheus";
import { readRouting, routingFromConfig, watchRouting } from "../../tools/devRouting";
import { promtool, scratch } from "../observability/support";
import { projectDir } from "../support/stacks";
import { toolArgs } from "../support/tools";

/** The development issuer the routers trust and verify mints its token from, as npm run token does. */
const issuerDir = mkdtempSync(path.join(tmpdir(), "promote-e2e-issuer-"));

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs a tool as `npm run <tool>` does; `onStderr` sees progress as it comes. */
function runTool(tool: "verify" | "promote", args: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Run> {
    const env: NodeJS.ProcessEnv = { ...process.env, DEV_ISSUER_DIR: issuerDir };
    const child = spawn(process.execPath, toolArgs(path.join("tools", tool, "main.ts"), ...args), { cwd: projectDir, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => {
        stderr += d;
        onStderr?.(stderr, child);
    });
    return new Promise((resolve) => child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

/** Product traffic until stopped, as users would send it. */
function traffic(routerUrl: string): () => Promise<void> {
    let running = true;
    const loop = async () => {
        while (running) await fetch(`${routerUrl}/api/products`).then((r) => r.arrayBuffer(), () => undefined);
    };
    const loops = Array.from({ length: 4 }, loop);
    return async () => {
        running = false;
        await Promise.all(loops);
    };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface DevStack {
    dir: string;
    stack: RunningStack;
    prometheus: LocalPrometheus;
    unwatch: () => void;
}

/** The dev stack as npm run dev runs it, following its own copy of Pulumi.dev.yaml (the gate's interval shortened, its p99 loosened). */
async function startDev(postgres: ThrowawayPostgres, database: string, canaryFailureRate?: string): Promise<DevStack> {
    const dir = mkdtempSync(path.join(tmpdir(), "promote-e2e-"));
    copyFileSync(path.join(projectDir, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
    await new StackFileTarget(dir, "dev", 0).apply([
        { path: "services.product.canary.analysis.interval", value: "12s" },
        { path: "services.product.canary.analysis.minRequests", value: 20 },
        // npm test runs this beside another suite on two cores: a scheduling stall must not pass for
        // a slow v2. The 500ms gate itself is judged in units.test.ts.
        { path: "services.product.canary.analysis.maxP99", value: "5s" },
    ]);
    const config = loadStackInput(dir, "dev", []);
    const { split, faults } = routingFromConfig(config, "dev");
    const stack = await stackFromSources({
        databaseUrl: await postgres.createDatabase(database),
        split,
        faults,
        issuer: await openDevIssuer(issuerDir),
        // verify's split check is a binomial test at significance 0.01: with Math.random an honest
        // router fails it one run in a hundred. Seeded, the check draws the same values every run
        // (verify's checks run in turn, so the draws before it are the same too).
        random: seededRandom(20261203),
        serviceEnv: { LOG_LEVEL: "warn", SHUTDOWN_DELAY_MS: "0" },
        chaos: canaryFailureRate !== undefined,
    });
    // As npm run dev does it: the canary's chaos control fails that share of its requests.
    if (canaryFailureRate) await failInstance(stack.instances.find((i) => i.service === "product" && i.version === split.canary)!.chaosUrl!, canaryFailureRate);
    const prometheus = await startLocalPrometheus(scratch(database), localPrometheusSpec(config), stack.instances);
    const unwatch = watchRouting(dir, "dev", (r) => stack.reroute(r.split, r.faults), (message) => process.stderr.write(`stack file refused: ${message}\n`), 200);
    return { dir, stack, prometheus, unwatch };
}

async function stopDev(dev: DevStack | undefined): Promise<boolean> {
    if (!dev) return true;
    dev.unwatch();
    const prometheusClean = await dev.prometheus.stop();
    return (await dev.stack.stop()) && prometheusClean;
}

const versionsServed = async (routerUrl: string, n: number) =>
    Promise.all(Array.from({ length: n }, async () => (await fetch(`${routerUrl}/api/products`)).headers.get("x-service-version")));

describe("verify and promote on the dev stack, with its Prometheus and real traffic", function () {
    this.timeout(startupTimeoutMs + 300_000);
    let postgres: ThrowawayPostgres;

    before(async () => {
        promtool(); // installs Debian's prometheus package when it is missing
        postgres = await startThrowawayPostgres();
    });

    after(() => {
        postgres?.stop();
    });

    describe("a healthy v2", () => {
        let dev: DevStack;
        before(async () => {
            dev = await startDev(postgres, "verify_promote");
        });
        after(async () => expect(await stopDev(dev), "every process stopped cleanly").to.equal(true));

        it("verify passes: endpoints, the 90/10 split, pinning, the order, the fault, the metrics", async () => {
            const run = await runTool("verify", ["--target", dev.stack.routerUrl, "--stack", "dev", "--prometheus", dev.prometheus.url, "--json"]);
            const report = JSON.parse(run.stdout) as { exitCode: number; failed: number; checks: { check: string; status: string; observed: string }[] };
            expect(report.checks.filter((c) => c.status === "fail"), run.stderr).to.deep.equal([]);
            expect(run.code).to.equal(0);
            const names = report.checks.filter((c) => c.status === "pass").map((c) => c.check);
            expect(names).to.include.members(["product split v1/v2", "x-version: v1", "x-version: v2", "order created and read back", "shipping GET /api/shipments/:trackingId", "cart GET /api/cart/1 (with a token)", "product GET /api/products/1/ratings (x-version: v2)", "internal POST /api/payments", "product x-fault-inject ignored at the edge", "product without x-fault-inject", "metrics of order", "product v2 in Prometheus"]);
            expect(report.checks.find((c) => c.check === "ingress in Prometheus")?.status).to.equal("skip");
            expect(run.stderr).to.match(/verify: split: \d+ requests to tell 10% from ±5 points at significance 0.01/);
        });

        it("verify expecting a split the system does not serve fails on the split, exit 1", async () => {
            const run = await runTool("verify", ["--target", dev.stack.routerUrl, "--stack", "dev", "--set", "services.product.canary.weight=50"]);
            expect(run.code, run.stderr).to.equal(1);
            const failed = run.stdout.split("\n").filter((line) => / FAIL /.test(line));
            expect(failed).to.have.length(1);
            expect(failed[0]).to.match(/^product split v1\/v2 +FAIL +v2 \d+\/\d+ = \d+\.\d% \(binomial p = .+\) +50% at significance 0.01$/);
        });

        it("a stack with an abort fault: the edge still ignores the header (faults are for mesh callers)", async () => {
            const set = "services.product.faults.abort={percentage: 50, httpStatus: 503}";
            const routing = routingFromConfig(loadStackInput(projectDir, "dev", [set]), "dev");
            dev.stack.reroute(routing.split, routing.faults);
            try {
                const run = await runTool("verify", ["--target", dev.stack.routerUrl, "--stack", "dev", "--set", set, "--json"]);
                const checks = (JSON.parse(run.stdout) as { checks: { check: string; status: string; observed: string }[] }).checks;
                const fault = checks.filter((c) => c.check.includes("x-fault-inject"));
                expect(fault.map((c) => [c.check, c.status])).to.deep.equal([
                    ["product x-fault-inject ignored at the edge", "pass"],
                    ["product without x-fault-inject", "pass"],
                ]);
                expect(fault[0].observed).to.match(/^0 delayed, 0 failed of 20/);
                // Nothing else fails, but the split's binomial test, which at significance 0.01 fails
                // one honest run in a hundred by design (it has tests of its own): that is not the edge.
                const failed = checks.filter((c) => c.status === "fail" && c.check !== "product split v1/v2");
                expect(failed, run.stdout).to.deep.equal([]);
                expect(run.code, run.stdout).to.equal(checks.some((c) => c.status === "fail") ? 1 : 0);
            } finally {
                const back = readRouting(dev.dir, "dev");
                dev.stack.reroute(back.split, back.faults);
            }
        });

        it("promote --local refuses a second promote, and SIGINT leaves a consistent file naming the weight", async () => {
            const stopTraffic = traffic(dev.stack.routerUrl);
            let second: Run | undefined;
            const run = await runTool("promote", ["--stack", "dev", "--service", "product", "--local", dev.stack.routerUrl, "--prometheus", dev.prometheus.url, "--cwd", dev.dir], (text, child) => {
                if (!second && text.includes("step to 25%")) {
                    second = { code: NaN, stdout: "", stderr: "" };
                    void runTool("promote", ["--stack", "dev", "--service", "product", "--local", dev.stack.routerUrl, "--prometheus", dev.prometheus.url, "--cwd", dev.dir]).then((r) => {
                        second = r;
                        child.kill("SIGINT");
                    });
                }
            });
            await stopTraffic();
            expect(second?.code, second?.stderr).to.equal(2);
            expect(second?.stderr).to.match(/promote: another promote \(pid \d+\) is running on stack dev/);
            expect(run.code, run.stderr).to.equal(1);
            expect(run.stderr).to.contain("promote: interrupted: Pulumi.dev.yaml says services.product.canary.weight: 25 (stable v1, canary v2)");
            expect(loadStackInput(dev.dir, "dev", []).services.product.canary).to.deep.include({ stable: "v1", canary: "v2", weight: 25 });
            expect(existsSync(lockFile(dev.dir, "dev")), "the lock is released").to.equal(false);
            await new StackFileTarget(dev.dir, "dev", 1_000).apply([{ path: "services.product.canary.weight", value: 10 }]);
        });

        it("promote --local steps a healthy v2 to 100 and finishes the release", async () => {
            const stopTraffic = traffic(dev.stack.routerUrl);
            const run = await runTool("promote", ["--stack", "dev", "--service", "product", "--local", dev.stack.routerUrl, "--prometheus", dev.prometheus.url, "--cwd", dev.dir]);
            await stopTraffic();
            expect(run.code, run.stderr).to.equal(0);
            for (const weight of [10, 25, 50, 100]) expect(run.stderr).to.match(new RegExp(`promote: ${weight}%: pass: v2 \\d+ requests, success 100.00%, p99 \\d+ ms; v1 `));
            expect(run.stderr).to.contain("promote: finish the release: v2 is stable: services.product.canary.stable=v2, services.product.canary.canary=v1, services.product.canary.weight=0");
            expect(loadStackInput(dev.dir, "dev", []).services.product.canary).to.deep.include({ stable: "v2", canary: "v1", weight: 0 });
            expect(readFileSync(path.join(dev.dir, "Pulumi.dev.yaml"), "utf8")).to.match(/^# Dev: a small AKS cluster/);
            // The router followed the file: everything unpinned goes to v2 now.
            expect(new Set(await versionsServed(dev.stack.routerUrl, 30))).to.deep.equal(new Set(["v2"]));
        });
    });

    describe("a v2 that fails half its requests (DEV_CANARY_FAILURE_RATE=0.5)", () => {
        let dev: DevStack;
        before(async () => {
            dev = await startDev(postgres, "promote_failing", "0.5");
        });
        after(async () => expect(await stopDev(dev), "every process stopped cleanly").to.equal(true));

        it("promote --local rolls it back to 0 and exits 1 naming the failed check", async () => {
            const stopTraffic = traffic(dev.stack.routerUrl);
            const run = await runTool("promote", ["--stack", "dev", "--service", "product", "--local", dev.stack.routerUrl, "--prometheus", dev.prometheus.url, "--cwd", dev.dir]);
            await stopTraffic();
            expect(run.code, run.stderr).to.equal(1);
            expect(run.stderr).to.match(/promote: 10%: FAIL successRate: success rate \d+\.\d\d% < 99%; v2 \d+ requests/);
            expect(run.stderr).to.match(/promote: rolled back to 0: check successRate failed \(success rate \d+\.\d\d% < 99%\); services.product.canary.stable is still v1/);
            expect(loadStackInput(dev.dir, "dev", []).services.product.canary).to.deep.include({ stable: "v1", canary: "v2", weight: 0 });
            await sleep(500);
            expect(new Set(await versionsServed(dev.stack.routerUrl, 30))).to.deep.equal(new Set(["v1"]));
        });
    });
});
