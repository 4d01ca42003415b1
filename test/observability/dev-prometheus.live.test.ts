// End to end on one machine, as `npm run dev` runs it: every service as a process, Debian's
// Prometheus scraping them through the cluster's relabelling with the cluster's rules. Traffic
// goes through the router; the canary dashboard's own queries then come back from this
// Prometheus with v1 and v2 series, and every metric name our queries use is in /metrics.
import { expect } from "chai";
import { dashboards, dashboardQueries } from "../../components/observability/dashboards";
import { platformMetrics } from "../../components/observability/queries";
import { startLocalPrometheus, type LocalPrometheus } from "../../services/dev/prometheus";
import type { RunningStack } from "../../services/dev/stack";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../../services/scripts/throwaway-postgres";
import { stackFromSources, startupTimeoutMs } from "../../services/test/e2e/from-sources";
import { fromPulumiConfig, loadStackConfig, projectName, serviceNames } from "../../stacks";
import { readStackFile } from "../../tools/capture/stackFile";
import { localPrometheusSpec } from "../../tools/devPrometheus";
import { projectDir } from "../support/stacks";
import { promtool, scratch } from "./support";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Metric names in Prometheus exposition text. */
const exposedNames = (text: string) => new Set(text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(/[{ ]/)[0]));
/** Metric names an expression selects (every selector in our queries has braces). */
const selectedNames = (expr: string) => [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1]);

describe("npm run dev: the local Prometheus, end to end", function () {
    this.timeout(startupTimeoutMs + 120_000);
    const config = loadStackConfig(fromPulumiConfig(readStackFile(projectDir, "dev", projectName).values));
    const spec = localPrometheusSpec(config);
    let postgres: ThrowawayPostgres;
    let stack: RunningStack;
    let prometheus: LocalPrometheus;

    before(async () => {
        promtool(); // installs Debian's prometheus package when it is missing
        postgres = await startThrowawayPostgres();
        const canary = config.services.product.canary!;
        stack = await stackFromSources({
            databaseUrl: await postgres.createDatabase("dev_prometheus"),
            split: canary,
            // As npm run dev runs the dev stack: its chaos controls export chaos_*.
            chaos: config.chaos.enabled,
        });
        prometheus = await startLocalPrometheus(scratch("dev-prometheus"), spec, stack.instances);
    });

    after(async () => {
        const prometheusClean = prometheus ? await prometheus.stop() : true;
        const servicesClean = stack ? await stack.stop() : true;
        postgres?.stop();
        expect(prometheusClean && servicesClean, "Prometheus and every service stopped cleanly").to.equal(true);
    });

    it("scrapes every service process with the cluster's relabelling (namespace, pod, app)", async () => {
        const deadline = Date.now() + 30_000;
        let up: Awaited<ReturnType<LocalPrometheus["query"]>> = [];
        while (Date.now() < deadline && up.length < stack.instances.length) {
            up = await prometheus.query(`up{job="${spec.jobName}"} == 1`);
            if (up.length < stack.instances.length) await sleep(1000);
        }
        expect(up.map((s) => s.metric.app).sort()).to.deep.equal(stack.instances.map((i) => i.service).sort());
        expect(new Set(up.map((s) => s.metric.namespace))).to.deep.equal(new Set([config.namespace]));
        expect(up.map((s) => s.metric.pod)).to.include.members(["product-v1-local", "product-v2-local"]);
    });

    it("loads the cluster's alert rules", async () => {
        const response = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as { data: { groups: { name: string; rules: { name: string }[] }[] } };
        const loaded = response.data.groups.flatMap((g) => g.rules.map((r) => `${g.name}/${r.name}`));
        const rendered = spec.ruleGroups.flatMap((g) => g.rules.map((r) => `${g.name}/${r.alert}`));
        expect(loaded.sort()).to.deep.equal(rendered.sort());
    });

    it("answers the canary dashboard's queries with v1 and v2 series after traffic", async () => {
        const router = stack.routerUrl;
        const drive = async (until: number) => {
            while (Date.now() < until) {
                await Promise.all(["v1", "v2"].map((v) => fetch(`${router}/api/products`, { headers: { "x-version": v } }).then((r) => r.arrayBuffer())));
            }
        };
        await drive(Date.now() + 15_000);
        const canary = dashboards({ services: [...serviceNames], canaries: [{ service: "product", stable: "v1", canary: "v2" }] }).find((d) => d.uid === "ecommerce-canary")!;
        const queries = dashboardQueries(canary);
        expect(queries.length).to.be.greaterThan(5);
        const answered = new Map<string, number>();
        const deadline = Date.now() + 60_000;
        for (const query of queries) {
            let result = await prometheus.query(query.expr);
            while (result.length === 0 && Date.now() < deadline) {
                await drive(Date.now() + 2_000);
                result = await prometheus.query(query.expr);
            }
            expect(result, `${query.panel}: ${query.expr}`).to.have.length(1);
            expect(Number.isFinite(Number(result[0].value[1])), `${query.panel} ${query.legend}: ${result[0].value[1]}`).to.equal(true);
            answered.set(`${query.panel}/${query.legend}`, Number(result[0].value[1]));
        }
        for (const version of ["v1", "v2"]) {
            expect(answered.get(`request rate/${version}`), `request rate of ${version}`).to.be.greaterThan(0);
            expect(answered.get(`success rate/${version}`), `success rate of ${version}`).to.equal(1);
        }
    });

    it("uses only metric names the services expose or Istio and kube-state-metrics document", async () => {
        // Labelled counters appear once counted: an order makes downstream calls and business events.
        const order = await fetch(`${stack.routerUrl}/api/orders`, {
            method: "POST",
            // A customer route: user 1's token from the issuer the stack's edge trusts.
            headers: { "content-type": "application/json", "idempotency-key": crypto.randomUUID(), authorization: `Bearer ${await stack.issuer.mint("1")}` },
            body: JSON.stringify({ userId: "1", items: [{ productId: "1", price: 999, quantity: 1 }] }),
        });
        expect(order.status).to.equal(201);
        const exposed = new Set<string>();
        for (const instance of stack.instances) {
            for (const name of exposedNames(await (await fetch(`${instance.url}/metrics`)).text())) exposed.add(name);
        }
        const all = dashboards({ services: [...serviceNames], canaries: [{ service: "product", stable: "v1", canary: "v2" }] }).flatMap(dashboardQueries).map((q) => q.expr);
        const used = new Set([...all, ...spec.ruleGroups.flatMap((g) => g.rules.map((r) => r.expr))].flatMap(selectedNames));
        const known = new Set<string>([...exposed, ...Object.values(platformMetrics)]);
        expect([...used].filter((name) => !known.has(name))).to.deep.equal([]);
        expect([...exposed]).to.include.members(["http_requests_total", "http_request_duration_seconds_bucket", "downstream_requests_total", "business_events_total"]);
    });
});
