// The chaos scenarios' checks against recorded Prometheus answers: each fixture answers the
// scenario's own expressions (from queries.ts) as Prometheus's /api/v1/query would, once as a
// mesh that works and once as one that does not.
import { expect } from "chai";
import { fromPulumiConfig, loadStackConfig, parseDuration, projectName } from "../../stacks";
import { readStackFile } from "../../tools/capture/stackFile";
import { checkScenario, envoyDefaultBucketsMs, expectedSuccess, scenarios, type ScenarioName } from "../../tools/verify/scenarios";
import { parseVerifyArgs } from "../../tools/verify/args";
import type { Query } from "../../tools/verify/metrics";
import { projectDir } from "../support/stacks";

const config = loadStackConfig(fromPulumiConfig(readStackFile(projectDir, "dev", projectName).values));
const window = "90s";

/** A recorded answer per expression: one sample with this value, or none (no series). */
function recorded(answers: Record<string, number | undefined>): Query {
    return async (expr) => {
        if (!(expr in answers)) throw new Error(`no recorded answer for ${expr}`);
        const value = answers[expr];
        return value === undefined ? [] : [{ metric: {}, value: [1_700_000_000, String(value)] }];
    };
}

/** Dev with two payment pods: the breaker needs one left when the other is ejected. */
const twoPayments = { ...config, services: { ...config.services, payment: { ...config.services.payment, replicas: 2 } } };

/** The scenario's expressions, in order, answered with `values`. */
function answersFor(name: ScenarioName, values: (number | undefined)[], stack = twoPayments): Record<string, number | undefined> {
    const exprs = scenarios[name].expectations(stack, window).map((e) => e.expr);
    expect(exprs).to.have.length(values.length);
    return Object.fromEntries(exprs.map((expr, i) => [expr, values[i]]));
}

const statuses = async (name: ScenarioName, values: (number | undefined)[], mesh = true, stack = twoPayments) =>
    (await checkScenario(scenarios[name], recorded(answersFor(name, values, stack)), stack, window, mesh)).map((r) => `${r.check}: ${r.status}`);

describe("verify --chaos: the scenarios' checks on recorded Prometheus answers", () => {
    it("breaker passes when payment was ejected and orders kept being confirmed", async () => {
        expect(await statuses("breaker", [120, 3, 0.8])).to.deep.equal(["breaker: failures injected: pass", "breaker: payment ejected: pass", "breaker: orders still confirmed: pass"]);
    });

    it("breaker fails when no ejection shows (no outlier detection, or its stats not kept) and when orders stopped", async () => {
        expect(await statuses("breaker", [120, undefined, 0])).to.deep.equal(["breaker: failures injected: pass", "breaker: payment ejected: fail", "breaker: orders still confirmed: fail"]);
    });

    it("breaker cannot show orders flowing past one payment pod: with services.payment.replicas 1 (dev) it fails, naming the key", async () => {
        expect(config.services.payment.replicas).to.equal(1);
        const results = await checkScenario(scenarios.breaker, recorded(answersFor("breaker", [120, 3, 0.8], config)), config, window, true);
        expect(results.map((r) => `${r.check}: ${r.status}`)).to.deep.equal(["breaker: failures injected: pass", "breaker: payment ejected: pass", "breaker: orders still confirmed: fail"]);
        expect(results[2].observed).to.equal("cannot hold: needs 2 or more payment pods; services.payment.replicas is 1");
    });

    it("retry passes near 1 − 0.5^(attempts + 1), and fails far from it or without retries", async () => {
        const attempts = config.services.product.retries.attempts;
        expect(expectedSuccess(0.5, 3)).to.equal(0.9375);
        expect(await statuses("retry", [300, 250, expectedSuccess(0.5, attempts) - 0.02])).to.deep.equal([
            "retry: failures injected: pass",
            "retry: retries sent: pass",
            "retry: callers' success rate: pass",
        ]);
        // 0.5: what the callers see when nothing retries.
        expect(await statuses("retry", [300, 0, 0.5])).to.deep.equal(["retry: failures injected: pass", "retry: retries sent: fail", "retry: callers' success rate: fail"]);
    });

    it("timeout passes up to the Envoy bucket holding the route timeout (histogram_quantile interpolates in it), and fails when callers waited the injected 20 s", async () => {
        const timeoutMs = parseDuration(config.services.inventory.timeout)!;
        const bound = envoyDefaultBucketsMs.find((b) => b >= timeoutMs)! / 1000;
        expect([timeoutMs, bound]).to.deep.equal([8000, 10]);
        // Every answer at 8 s falls in (5 s, 10 s]: the p99 interpolates to 9.95 s.
        expect(await statuses("timeout", [40, 40, 9.95])).to.deep.equal(["timeout: latency injected: pass", "timeout: callers got 504: pass", "timeout: callers' p99: pass"]);
        expect(await statuses("timeout", [40, undefined, 20.01])).to.deep.equal(["timeout: latency injected: pass", "timeout: callers got 504: fail", "timeout: callers' p99: fail"]);
    });

    it("without a mesh (npm run dev), skips what only Envoy shows and still checks the services' own metrics", async () => {
        const results = await checkScenario(scenarios.breaker, recorded(answersFor("breaker", [0, 5, 1], config)), config, window, false);
        expect(results.map((r) => `${r.check}: ${r.status}`)).to.deep.equal(["breaker: failures injected: fail", "breaker: payment ejected: skip", "breaker: orders still confirmed: skip"]);
        expect(results[1].observed).to.equal("no mesh: npm run dev has no Envoy between the services");
    });

    it("reads Envoy's ejection and retry counters, which the mesh's proxyStatsMatcher keeps", async () => {
        const { readFileSync } = await import("node:fs");
        const mesh = readFileSync(`${projectDir}/components/istioMesh.ts`, "utf8");
        const kept = [...mesh.matchAll(/inclusionRegexps: \[([^\]]*)\]/g)].flatMap((m) => [...m[1].matchAll(/"([^"]+)"/g)].map((r) => new RegExp(r[1])));
        for (const stat of ["cluster.outbound|8080||payment.ecommerce.svc.cluster.local.outlier_detection.ejections_enforced_total", "cluster.outbound|8080||product.ecommerce.svc.cluster.local.upstream_rq_retry"]) {
            expect(kept.some((regex) => regex.test(stat)), stat).to.equal(true);
        }
    });
});

describe("verify --chaos: flags", () => {
    const base = ["--target", "http://127.0.0.1:8080", "--stack", "dev"];
    const error = (argv: string[]) => {
        try {
            parseVerifyArgs([...base, ...argv]);
        } catch (e) {
            return (e as Error).message;
        }
        return "no error";
    };

    it("takes a scenario, its duration and port-forwarded controls", () => {
        expect(parseVerifyArgs([...base, "--chaos", "breaker"]).chaos).to.deep.equal({ scenario: "breaker", controls: [], durationMs: 60_000 });
        expect(parseVerifyArgs([...base, "--chaos", "retry", "--for", "2m", "--control", "http://127.0.0.1:9901/"]).chaos).to.deep.equal({ scenario: "retry", controls: ["http://127.0.0.1:9901"], durationMs: 120_000 });
        expect(parseVerifyArgs(base).chaos).to.equal(undefined);
    });

    it("names the bad flag and the values it allows", () => {
        expect(error(["--chaos", "flood"])).to.equal('--chaos "flood": expected one of breaker, retry, timeout');
        expect(error(["--chaos", "timeout", "--for", "1s"])).to.equal('--for "1s": expected a duration from 5s to 10m');
        expect(error(["--for", "1m"])).to.equal("--for: only with --chaos <scenario>");
        expect(error(["--control", "http://127.0.0.1:9901"])).to.equal("--control: only with --chaos <scenario>");
    });
});
