// Our Grafana dashboards as code (Grafana's foundation SDK), built from queries.ts:
// the canary, RED per service and the business events. Grafana's sidecar loads each one
// from a ConfigMap; the tests and the dev end-to-end run read the same queries back.
import { DashboardBuilder, RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import * as q from "./queries";

/** The data source the kube-prometheus-stack Grafana provisions (its sidecar's default uid). */
export const prometheusDatasource = { type: "prometheus", uid: "prometheus" };
/** Dashboards show rates over one minute: four scrapes at the default 15s interval. */
const window = "1m";

export interface DashboardInputs {
    services: string[];
    canaries: { service: string; stable: string; canary: string }[];
}

export interface Dashboard {
    /** ConfigMap and file name. */
    name: string;
    uid: string;
    title: string;
    json: Record<string, unknown>;
}

const target = (expr: string, legend: string) => new DataqueryBuilder().expr(expr).legendFormat(legend).range().datasource(prometheusDatasource);

function timeseries(title: string, unit: string, targets: [expr: string, legend: string][]) {
    const panel = new TimeseriesPanel().title(title).unit(unit).datasource(prometheusDatasource).height(8).span(8);
    targets.forEach(([expr, legend], i) => panel.withTarget(target(expr, legend).refId(String.fromCharCode(65 + i))));
    return panel;
}

function build(uid: string, title: string, fill: (d: DashboardBuilder) => void): Dashboard {
    const builder = new DashboardBuilder(title).uid(uid).tags(["ecommerce-mesh"]).refresh("30s").time({ from: "now-1h", to: "now" }).timezone("utc");
    fill(builder);
    return { name: uid, uid, title, json: builder.build() as unknown as Record<string, unknown> };
}

function canaryDashboard({ canaries }: DashboardInputs): Dashboard {
    return build("ecommerce-canary", "ecommerce / canary", (d) => {
        for (const { service, stable, canary } of canaries) {
            const versions = [stable, canary];
            d.withRow(new RowBuilder(`${service}: ${stable} vs ${canary}`));
            // The weight itself lives in the two VirtualServices only (a canary edit touches nothing
            // else); this panel shows it as routed: each version's share of the service's requests.
            d.withPanel(
                timeseries("traffic share (the configured weight, as routed)", "percentunit", versions.map((v) => [`${q.requestRate({ service, version: v }, window)} / ${q.requestRate({ service }, window)}`, v])).span(4),
            );
            d.withPanel(timeseries("request rate", "reqps", versions.map((v) => [q.requestRate({ service, version: v }, window), v])).span(5));
            d.withPanel(timeseries("success rate", "percentunit", versions.map((v) => [q.successRatio({ service, version: v }, window), v])).span(5).min(0).max(1));
            d.withPanel(
                timeseries(
                    "latency p50 / p95 / p99",
                    "s",
                    versions.flatMap((v) => [0.5, 0.95, 0.99].map((p): [string, string] => [q.latencyQuantile(p, { service, version: v }, window), `${v} p${p * 100}`])),
                ).span(10),
            );
        }
    });
}

function redDashboard({ services }: DashboardInputs): Dashboard {
    return build("ecommerce-red", "ecommerce / RED per service", (d) => {
        for (const service of services) {
            d.withRow(new RowBuilder(service));
            d.withPanel(timeseries("rate", "reqps", [[q.requestRate({ service }, window), service]]).span(6));
            d.withPanel(timeseries("errors (5xx share)", "percentunit", [[q.errorRatio({ service }, window), service]]).span(6));
            d.withPanel(timeseries("duration p50 / p99", "s", [[q.latencyQuantile(0.5, { service }, window), "p50"], [q.latencyQuantile(0.99, { service }, window), "p99"]]).span(6));
            d.withPanel(timeseries("downstream calls by target", "reqps", [[q.downstreamRate(service, window), "{{target}} {{status}}"]]).span(6));
            // Failures and delays injected on purpose (npm run chaos): not the service's own errors.
            d.withPanel(timeseries("injected by chaos", "reqps", [[q.chaosInjectedRate(service, window), "{{kind}}"]]).span(6));
        }
    });
}

/** Event and status names as the services count them (services/src/order, payment, inventory). */
export const businessSeries: [title: string, event: string, status: string][] = [
    ["orders confirmed", "order_placed", "confirmed"],
    ["orders with payment_failed", "order_placed", "payment_failed"],
    ["stock short (reservation refused)", "stock_reserved", "insufficient"],
];

function businessDashboard(): Dashboard {
    return build("ecommerce-business", "ecommerce / business", (d) => {
        for (const [title, event, status] of businessSeries) {
            d.withPanel(timeseries(title, "ops", [[q.businessRate(event, status, window), `${event} ${status}`]]));
        }
    });
}

export function dashboards(inputs: DashboardInputs): Dashboard[] {
    return [canaryDashboard(inputs), redDashboard(inputs), businessDashboard()];
}

/** Every PromQL expression of a dashboard, in panel order. */
export function dashboardQueries(dashboard: Dashboard): { panel: string; expr: string; legend?: string }[] {
    const panels = (dashboard.json.panels ?? []) as { title?: string; targets?: { expr?: string; legendFormat?: string }[] }[];
    return panels.flatMap((panel) => (panel.targets ?? []).filter((t) => t.expr).map((t) => ({ panel: panel.title ?? "", expr: t.expr!, legend: t.legendFormat })));
}
