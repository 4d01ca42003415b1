// The charts the Observability component installs. Their pins live in policies/support-table.json
// (one table for every pinned version); the README's chart table and the values tests read them here.

import { chartRow } from "../../stacks/support";

export interface ChartPin {
    chart: string;
    repository: string;
    version: string;
    /** The application version the chart ships at this version. */
    appVersion: string;
    /** Where the version (and the values.yaml under test/fixtures/chart-values/) was read. */
    source: string;
    read: string;
}

/** A chart's pin, from its row in policies/support-table.json (the one place pins live). */
function pin(name: string): ChartPin {
    const row = chartRow(name);
    if (!row.appVersion) {
        throw new Error(`policies/support-table.json: chart ${name} has no appVersion`);
    }
    return { chart: row.name, repository: row.repository, version: row.version, appVersion: row.appVersion, source: row.source, read: row.read };
}

export const charts = {
    // Prometheus Operator, Prometheus, Alertmanager, kube-state-metrics and Grafana in one
    // release: one upgrade path, and the PrometheusRule CRD ships with the operator that reads it.
    kubePrometheusStack: pin("kube-prometheus-stack"),
    /** Not installed on its own: the Grafana sub-chart kube-prometheus-stack depends on. */
    grafana: pin("grafana"),
    openTelemetryCollector: pin("opentelemetry-collector"),
    // Jaeger v2 (OTLP in, built on the collector): the all-in-one binary with in-memory storage.
    jaeger: pin("jaeger"),
    // The newest Kiali chart that could be read: between Istio 1.31.0's own addon (2.27.0) and
    // 1.31.1's (2.31.0, not readable yet: docs/updates.md), see the row's source. Released before
    // Istio 1.31.0, so outside Kiali's own test matrix for 1.31: check the Mesh page, the graph
    // and proxy status on dev before prod.
    kiali: pin("kiali-server"),
} satisfies Record<string, ChartPin>;

/**
 * Istio's standard Grafana dashboards, fetched by Grafana from the Istio release the stack
 * runs (manifests/addons/dashboards at the `istio.version` tag), so they match its metrics.
 * File names as of Istio 1.31 (istio/istio @ 1.31.0-rc.0).
 */
export const istioDashboards = {
    "istio-mesh": "istio-mesh-dashboard.gen.json",
    "istio-service": "istio-service-dashboard.json",
    "istio-workload": "istio-workload-dashboard.json",
    "istio-performance": "istio-performance-dashboard.json",
    "istio-control-plane": "pilot-dashboard.gen.json",
    "istio-extension": "istio-extension-dashboard.json",
} as const;

export function istioDashboardUrl(istioVersion: string, file: string): string {
    return `https://raw.githubusercontent.com/istio/istio/${istioVersion}/manifests/addons/dashboards/${file}`;
}
