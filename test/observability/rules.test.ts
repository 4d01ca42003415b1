// The alert rules and dashboard queries the program renders, checked by Prometheus's own
// promtool: every rule file passes `promtool check rules`, every alert has a `promtool test
// rules` case that fires and one that must not, and every dashboard expression parses.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { stringify } from "yaml";
import { dashboards, dashboardQueries } from "../../components/observability/dashboards";
import { type AlertRule, type RuleGroup } from "../../components/observability/rules";
import { type Capture } from "../../tools/capture/capture";
import { capture, type Json, ofKind } from "../support/stacks";
import { runPromtool, scratch } from "./support";

const rulesOf = (c: Capture): RuleGroup[] => (ofKind(c, "monitoring.coreos.com/v1:PrometheusRule")[0].inputs as Json).spec.groups;

type Case = { input_series: { series: string; values: string }[]; alert_rule_test: { eval_time: string; alertname: string; exp_alerts: { exp_labels: Record<string, string>; exp_annotations: Record<string, string> }[] }[] };

const series = (name: string, labels: Record<string, string>, values: string) => ({ series: `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",")}}`, values });
/** A 5xx series only when there are failures: a service that never failed exports none. */
const requests = (labels: Record<string, string>, ok: number, failed: number, samples = 30) => [
    series("http_requests_total", { ...labels, status: "200" }, `0+${ok}x${samples}`),
    ...(failed ? [series("http_requests_total", { ...labels, status: "500" }, `0+${failed}x${samples}`)] : []),
];
/** Cumulative buckets where every request takes `seconds` (0.1 fast, 2 slow). */
const durations = (labels: Record<string, string>, seconds: number, perMinute = 100) =>
    ["0.25", "0.5", "1", "2.5", "+Inf"].map((le) => series("http_request_duration_seconds_bucket", { ...labels, le }, `0+${Number(le) >= seconds || le === "+Inf" ? perMinute : 0}x30`));

/** The input that makes `rule` fire, and a near miss that must not; undefined for an alert no scenario knows. */
function scenarios(rule: AlertRule): { fires: Case["input_series"]; quiet: Case["input_series"]; evalTime: string; extraLabels: Record<string, string> } | undefined {
    const service = rule.labels.service;
    const app = { service, version: "v1", method: "GET", route: "/x" };
    switch (rule.alert) {
        case "ServiceErrorRatioHigh":
            return { fires: requests(app, 90, 10), quiet: requests(app, 100, 0), evalTime: "20m", extraLabels: {} };
        case "ServiceLatencyP99High":
            return { fires: durations(app, 2), quiet: durations(app, 0.25), evalTime: "20m", extraLabels: {} };
        case "OrdersErrorBudgetBurn": {
            const orders = { service: "order", version: "v1", method: "POST", route: "/api/orders" };
            // 10% errors burn a 0.5% budget 20x: above every window's factor; 0.1% is below 1x. Two
            // hours of samples are enough: rate() over the 1d and 3d windows uses what exists.
            return { fires: requests(orders, 90, 10, 150), quiet: requests(orders, 999, 1, 150), evalTime: "2h", extraLabels: {} };
        }
        case "CanarySuccessRateWorse":
            return {
                fires: [...requests({ service, version: "v1", method: "GET", route: "/x" }, 100, 0), ...requests({ service, version: rule.labels.version, method: "GET", route: "/x" }, 80, 20)],
                quiet: [...requests({ service, version: "v1", method: "GET", route: "/x" }, 100, 0), ...requests({ service, version: rule.labels.version, method: "GET", route: "/x" }, 100, 0)],
                evalTime: "20m",
                extraLabels: {},
            };
        case "CanaryLatencyWorse": {
            const traffic = [...requests({ service, version: "v1", method: "GET", route: "/x" }, 100, 0), ...requests({ service, version: rule.labels.version, method: "GET", route: "/x" }, 100, 0)];
            return {
                fires: [...traffic, ...durations({ service, version: "v1" }, 0.25), ...durations({ service, version: rule.labels.version }, 2)],
                quiet: [...traffic, ...durations({ service, version: "v1" }, 0.25), ...durations({ service, version: rule.labels.version }, 0.25)],
                evalTime: "20m",
                extraLabels: {},
            };
        }
        case "CircuitBreakerEjecting": {
            const labels = { namespace: "ecommerce", pod: "caller-v1-abc", cluster_name: `outbound|80|v1|${service}.ecommerce.svc.cluster.local` };
            return { fires: [series("envoy_cluster_outlier_detection_ejections_active", labels, "1x30")], quiet: [series("envoy_cluster_outlier_detection_ejections_active", labels, "0x30")], evalTime: "10m", extraLabels: labels };
        }
        case "PodRestarting": {
            const labels = { namespace: "ecommerce", pod: "order-v1-abc", container: "app" };
            return { fires: [series("kube_pod_container_status_restarts_total", labels, "0+1x30")], quiet: [series("kube_pod_container_status_restarts_total", labels, "2x30")], evalTime: "20m", extraLabels: labels };
        }
        case "CertificateExpiresSoon": {
            // The expiry timestamp is absolute; promtool's clock starts at 0, so 10 days left at 2h is 2h + 10d.
            const labels = { namespace: "istio-ingress", name: "edge", issuer_name: "letsencrypt", issuer_kind: "ClusterIssuer", issuer_group: "cert-manager.io" };
            return {
                fires: [series("certmanager_certificate_expiration_timestamp_seconds", labels, `${7200 + 10 * 86_400}x150`)],
                quiet: [series("certmanager_certificate_expiration_timestamp_seconds", labels, `${7200 + 20 * 86_400}x150`)],
                evalTime: "2h",
                extraLabels: { namespace: "istio-ingress", name: "edge", issuer_name: "letsencrypt" },
            };
        }
        case "CertificateNotReady": {
            const labels = (condition: string) => ({ namespace: "istio-ingress", name: "edge", condition, issuer_name: "letsencrypt", issuer_kind: "ClusterIssuer", issuer_group: "cert-manager.io" });
            const ready = (state: string) => ["True", "False", "Unknown"].map((c) => series("certmanager_certificate_ready_status", labels(c), `${c === state ? 1 : 0}x60`));
            return { fires: ready("False"), quiet: ready("True"), evalTime: "45m", extraLabels: { namespace: "istio-ingress", name: "edge", issuer_name: "letsencrypt" } };
        }
        default:
            return undefined;
    }
}

describe("SLO alert rules, checked by promtool", function () {
    this.timeout(180_000);
    let groups: RuleGroup[];
    let dir: string;
    let rulesFile: string;

    before(async () => {
        groups = rulesOf(await capture("prod"));
        dir = scratch("rules");
        rulesFile = path.join(dir, "rules.yml");
        writeFileSync(rulesFile, stringify({ groups }));
    });

    it("renders the five kinds of alert the issue names, with the stack's thresholds", () => {
        const alerts = new Set(groups.flatMap((g) => g.rules.map((r) => r.alert)));
        expect([...alerts].sort()).to.deep.equal(["CanaryLatencyWorse", "CanarySuccessRateWorse", "CertificateExpiresSoon", "CertificateNotReady", "CircuitBreakerEjecting", "OrdersErrorBudgetBurn", "PodRestarting", "ServiceErrorRatioHigh", "ServiceLatencyP99High"]);
        const burn = groups.flatMap((g) => g.rules).filter((r) => r.alert === "OrdersErrorBudgetBurn");
        expect(burn.map((r) => `${r.labels.long_window}/${r.labels.short_window}`)).to.deep.equal(["1h/5m", "6h/30m", "1d/2h", "3d/6h"]);
        // 14.4 × (1 − 99.5%) on the fastest window pair.
        expect(burn[0].expr).to.include("> 0.072");
    });

    it("passes promtool check rules", () => {
        const run = runPromtool(["check", "rules", rulesFile]);
        expect(run.status, run.output).to.equal(0);
        expect(run.output).to.match(/SUCCESS: \d+ rules found/);
    });

    it("fires every alert on a bad series and stays quiet on a good one (promtool test rules)", () => {
        const tests: Case[] = [];
        for (const rule of groups.flatMap((g) => g.rules)) {
            const scenario = scenarios(rule);
            expect(scenario, `a scenario for ${rule.alert}`).to.not.equal(undefined);
            const { fires, quiet, evalTime, extraLabels } = scenario!;
            const expected = { exp_labels: { ...extraLabels, ...rule.labels }, exp_annotations: rule.annotations };
            tests.push({ input_series: fires, alert_rule_test: [{ eval_time: evalTime, alertname: rule.alert, exp_alerts: [expected] }] });
            tests.push({ input_series: quiet, alert_rule_test: [{ eval_time: evalTime, alertname: rule.alert, exp_alerts: [] }] });
        }
        // Alerts sharing a name (one per service or window) fire together on the same input.
        const merged = new Map<string, Case>();
        for (const t of tests) {
            const key = JSON.stringify([t.input_series, t.alert_rule_test[0].alertname, t.alert_rule_test[0].exp_alerts.length === 0]);
            const seen = merged.get(key);
            if (seen) seen.alert_rule_test[0].exp_alerts.push(...t.alert_rule_test[0].exp_alerts);
            else merged.set(key, t);
        }
        const testFile = path.join(dir, "rules.test.yml");
        writeFileSync(testFile, stringify({ rule_files: [rulesFile], evaluation_interval: "1m", tests: [...merged.values()].map((t) => ({ interval: "1m", ...t })) }));
        const run = runPromtool(["test", "rules", testFile]);
        expect(run.status, run.output).to.equal(0);
        expect(run.output).to.include("SUCCESS");
    });

    it("a rule that would never fire fails its promtool case (the check is not vacuous)", () => {
        const broken = groups.map((g) => ({ ...g, rules: g.rules.map((r) => (r.alert === "PodRestarting" ? { ...r, expr: `${r.expr} > 1e9` } : r)) }));
        const brokenFile = path.join(dir, "broken.yml");
        writeFileSync(brokenFile, stringify({ groups: broken }));
        const rule = broken.flatMap((g) => g.rules).find((r) => r.alert === "PodRestarting")!;
        const { fires, evalTime, extraLabels } = scenarios(rule)!;
        const testFile = path.join(dir, "broken.test.yml");
        writeFileSync(testFile, stringify({ rule_files: [brokenFile], evaluation_interval: "1m", tests: [{ interval: "1m", input_series: fires, alert_rule_test: [{ eval_time: evalTime, alertname: rule.alert, exp_alerts: [{ exp_labels: { ...extraLabels, ...rule.labels }, exp_annotations: rule.annotations }] }] }] }));
        expect(runPromtool(["test", "rules", testFile]).status).to.not.equal(0);
    });

    it("parses every dashboard query in Prometheus (as recording rules through promtool)", () => {
        const all = dashboards({ services: ["product", "order"], canaries: [{ service: "product", stable: "v1", canary: "v2" }] }).flatMap(dashboardQueries);
        expect(all.length).to.be.greaterThan(20);
        const file = path.join(dir, "dashboards.yml");
        writeFileSync(file, stringify({ groups: [{ name: "dashboards", rules: all.map((query, i) => ({ record: `dashboard:query_${i}`, expr: query.expr })) }] }));
        const run = runPromtool(["check", "rules", file]);
        expect(run.status, run.output).to.equal(0);
    });
});
