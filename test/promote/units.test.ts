// verify's statistics, the gate's verdicts and the rollout's decisions, driven through the same
// StackTarget interface and Prometheus query function the CLI uses (fakes in place of both).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { canaryGate } from "../../components/observability/queries";
import { judge } from "../../tools/promote/gate";
import { promote, type RolloutPlan } from "../../tools/promote/rollout";
import { PulumiTarget, StackFileTarget, type ConfigChange, type StackTarget } from "../../tools/promote/target";
import { loadStackInput } from "../../tools/render/evaluate";
import { binomialPValue, splitSampleSize, testShare } from "../../tools/verify/stats";
import type { Query } from "../../tools/verify/metrics";
import { projectDir } from "../support/stacks";

describe("verify: statistics", () => {
    it("computes exact two-sided binomial p-values (R's binom.test)", () => {
        expect(binomialPValue(0, 10, 0.5)).to.be.closeTo(2 / 1024, 1e-12);
        expect(binomialPValue(3, 10, 0.5)).to.be.closeTo(0.34375, 1e-9);
        expect(binomialPValue(5, 10, 0.5)).to.equal(1);
    });

    it("passes a 10% split seen as 58/600 and fails 90/600 at significance 0.01", () => {
        expect(testShare(58, 600, 0.1).pass).to.equal(true);
        expect(testShare(90, 600, 0.1).pass).to.equal(false);
    });

    it("treats 0% and 100% as exact: one stray request fails", () => {
        expect(testShare(0, 400, 0).pass).to.equal(true);
        expect(testShare(1, 400, 0).pass).to.equal(false);
        expect(testShare(399, 400, 1).pass).to.equal(false);
    });

    it("sends enough requests to tell a weight from ±5 points, at least 400", () => {
        expect(splitSampleSize(0)).to.equal(400);
        expect(splitSampleSize(10)).to.be.within(560, 660);
        expect(splitSampleSize(50)).to.be.within(1400, 1560);
        expect(splitSampleSize(50)).to.be.greaterThan(splitSampleSize(10));
    });
});

describe("promote: the gate", () => {
    const analysis = { interval: "1m", successRate: 99, maxP99: "500ms", minRequests: 100 };
    it("passes a canary within every threshold", () => {
        expect(judge({ requests: 150, successRatio: 0.995, p99: 0.2 }, analysis)).to.deep.equal({ kind: "pass" });
    });
    it("waits for minRequests before judging", () => {
        expect(judge({ requests: 40, successRatio: 0.5, p99: 2 }, analysis)).to.deep.include({ kind: "wait", reason: "requests 40 < minRequests 100" });
    });
    it("names the failed check with its figures", () => {
        expect(judge({ requests: 150, successRatio: 0.9, p99: 0.1 }, analysis)).to.deep.equal({ kind: "fail", check: "successRate", reason: "success rate 90.00% < 99%" });
        expect(judge({ requests: 150, successRatio: 1, p99: 0.8 }, analysis)).to.deep.equal({ kind: "fail", check: "maxP99", reason: "p99 800 ms > 500ms" });
    });
});

/** A Prometheus that answers the gate's three queries from a table of per-version figures. */
function fakePrometheus(figures: (version: string, call: number) => { requests: number; success: number; p99: number }): { query: Query; asked: string[] } {
    const asked: string[] = [];
    let call = 0;
    const query: Query = async (expr) => {
        asked.push(expr);
        for (const version of ["v1", "v2"]) {
            const f = figures(version, Math.floor(call / 6));
            const value = expr === canaryGate.requests("product", version, "1s") ? f.requests : expr === canaryGate.successRatio("product", version, "1s") ? f.success : expr === canaryGate.p99("product", version, "1s") ? f.p99 : undefined;
            if (value !== undefined) {
                call++;
                return [{ metric: {}, value: [0, String(value)] }];
            }
        }
        throw new Error(`not a gate query: ${expr}`);
    };
    return { query, asked };
}

class RecordingTarget implements StackTarget {
    readonly describe = "a recording";
    readonly applied: ConfigChange[][] = [];
    async apply(changes: readonly ConfigChange[]) {
        this.applied.push([...changes]);
    }
}

const plan: RolloutPlan = { service: "product", stable: "v1", canary: "v2", weight: 10, steps: [10, 25, 50, 100], analysis: { interval: "1s", successRate: 99, maxP99: "500ms", minRequests: 10 }, maxWaitMs: 3_000 };
const healthy = () => ({ requests: 50, success: 1, p99: 0.05 });

describe("promote: the rollout", function () {
    this.timeout(20_000);

    it("steps 25, 50, 100 from 10 and finishes the release in one change", async () => {
        const target = new RecordingTarget();
        const lines: string[] = [];
        const { query, asked } = fakePrometheus(healthy);
        expect(await promote(plan, target, query, (l) => lines.push(l))).to.deep.equal({ kind: "promoted", stable: "v2" });
        expect(target.applied).to.deep.equal([
            [{ path: "services.product.canary.weight", value: 25 }],
            [{ path: "services.product.canary.weight", value: 50 }],
            [{ path: "services.product.canary.weight", value: 100 }],
            [
                { path: "services.product.canary.stable", value: "v2" },
                { path: "services.product.canary.canary", value: "v1" },
                { path: "services.product.canary.weight", value: 0 },
            ],
        ]);
        expect(new Set(asked)).to.include(canaryGate.successRatio("product", "v2", "1s"));
        expect(lines.filter((l) => l.includes("pass:"))).to.have.length(4);
        expect(lines[0]).to.match(/^10%: pass: v2 50 requests, success 100.00%, p99 50 ms; v1 50 requests/);
    });

    it("rolls back to 0 on a failing success rate and names it", async () => {
        const target = new RecordingTarget();
        const lines: string[] = [];
        const { query } = fakePrometheus((version, call) => (version === "v2" && call >= 1 ? { requests: 80, success: 0.7, p99: 0.05 } : healthy()));
        expect(await promote(plan, target, query, (l) => lines.push(l))).to.deep.equal({ kind: "rolledBack", check: "successRate", reason: "success rate 70.00% < 99%" });
        expect(target.applied.at(-1)).to.deep.equal([{ path: "services.product.canary.weight", value: 0 }]);
        expect(lines.some((l) => l.startsWith("25%: FAIL successRate: success rate 70.00% < 99%; v2 80 requests"))).to.equal(true);
    });

    it("waits for too few requests up to the bound, then fails on minRequests", async () => {
        const target = new RecordingTarget();
        const { query } = fakePrometheus(() => ({ requests: 3, success: 1, p99: 0.01 }));
        const outcome = await promote(plan, target, query, () => undefined);
        expect(outcome).to.deep.equal({ kind: "rolledBack", check: "minRequests", reason: "requests 3 < minRequests 10 after waiting 3s" });
        expect(target.applied).to.deep.equal([[{ path: "services.product.canary.weight", value: 0 }]]);
    });

    it("stops on an abort without a further change and reports the weight in force", async () => {
        const target = new RecordingTarget();
        const abort = new AbortController();
        const { query } = fakePrometheus(healthy);
        setTimeout(() => abort.abort(), 1_500);
        expect(await promote(plan, target, query, () => undefined, abort.signal)).to.deep.equal({ kind: "interrupted", weight: 25 });
        expect(target.applied).to.deep.equal([[{ path: "services.product.canary.weight", value: 25 }]]);
    });
});

describe("promote: the targets", () => {
    it("Automation API: setConfig with path: true for each change, then up", async () => {
        const calls: unknown[][] = [];
        const stack = {
            setConfig: async (key: string, value: { value: string }, usePath?: boolean) => void calls.push(["setConfig", key, value, usePath]),
            up: async () => (calls.push(["up"]), { summary: { result: "succeeded" } }),
        };
        await new PulumiTarget(stack, "prod", () => undefined).apply([{ path: "services.product.canary.weight", value: 25 }]);
        expect(calls).to.deep.equal([["setConfig", "ecommerce-mesh:services.product.canary.weight", { value: "25" }, true], ["up"]]);
    });

    it("Automation API: a failed up is an error", async () => {
        const stack = { setConfig: async () => undefined, up: async () => ({ summary: { result: "failed" } }) };
        let error: Error | undefined;
        await new PulumiTarget(stack, "prod", () => undefined).apply([{ path: "services.product.canary.weight", value: 0 }]).catch((e: Error) => (error = e));
        expect(error?.message).to.equal("pulumi up failed");
    });

    it("--local: edits the stack file as `config set --path` would, keeping its comments", async () => {
        const dir = mkdtempSync(path.join(tmpdir(), "promote-file-"));
        writeFileSync(path.join(dir, "Pulumi.dev.yaml"), readFileSync(path.join(projectDir, "Pulumi.dev.yaml")));
        await new StackFileTarget(dir, "dev", 0).apply([
            { path: "services.product.canary.stable", value: "v2" },
            { path: "services.product.canary.canary", value: "v1" },
            { path: "services.product.canary.weight", value: 0 },
        ]);
        const text = readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8");
        expect(text).to.match(/^# Dev: a small AKS cluster/);
        expect(loadStackInput(dir, "dev", []).services.product.canary).to.deep.include({ stable: "v2", canary: "v1", weight: 0, header: "x-version" });
    });
});
