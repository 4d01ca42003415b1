// The charts the Observability component installs, each pinned, with where the pin was read.
// One row per chart; the README's compatibility table and the values tests read these rows.

export interface ChartPin {
    chart: string;
    repository: string;
    version: string;
    /** The application version the chart ships at this version. */
    appVersion: string;
    /** Where the version (and the values.yaml under test/fixtures/charts/) was read. */
    source: string;
    read: string;
}

export const charts = {
    // Prometheus Operator, Prometheus, Alertmanager, kube-state-metrics and Grafana in one
    // release: one upgrade path, and the PrometheusRule CRD ships with the operator that reads it.
    kubePrometheusStack: {
        chart: "kube-prometheus-stack",
        repository: "https://prometheus-community.github.io/helm-charts",
        version: "88.5.3",
        appVersion: "v0.93.1",
        source: "prometheus-community/helm-charts charts/kube-prometheus-stack/Chart.yaml @ cf408a29",
        read: "2026-12-01",
    },
    /** Not installed on its own: the Grafana sub-chart kube-prometheus-stack 88.5.3 depends on. */
    grafana: {
        chart: "grafana",
        repository: "https://grafana-community.github.io/helm-charts",
        version: "12.11.1",
        appVersion: "13.2.0",
        source: "grafana-community/helm-charts charts/grafana/Chart.yaml @ HEAD 2026-08-20",
        read: "2026-12-01",
    },
    openTelemetryCollector: {
        chart: "opentelemetry-collector",
        repository: "https://open-telemetry.github.io/opentelemetry-helm-charts",
        version: "0.170.0",
        appVersion: "0.158.0",
        source: "open-telemetry/opentelemetry-helm-charts charts/opentelemetry-collector/Chart.yaml @ dd5665c0",
        read: "2026-12-01",
    },
    // Jaeger v2 (OTLP in, built on the collector): the all-in-one binary with in-memory storage.
    jaeger: {
        chart: "jaeger",
        repository: "https://jaegertracing.github.io/helm-charts",
        version: "4.11.1",
        appVersion: "2.19.0",
        source: "jaegertracing/helm-charts charts/jaeger/Chart.yaml @ 6c602b54",
        read: "2026-12-01",
    },
    // The Kiali that Istio 1.31's own addons pair with it (samples/addons/kiali.yaml at
    // 1.31.0-rc.0 runs v2.27.0); Kiali tests each release against the supported Istio releases.
    kiali: {
        chart: "kiali-server",
        repository: "https://kiali.org/helm-charts",
        version: "2.27.0",
        appVersion: "v2.27.0",
        source: "kiali/helm-charts tag v2.27.0; istio/istio samples/addons/kiali.yaml @ 1.31.0-rc.0 (86c9f01f)",
        read: "2026-12-01",
    },
} as const satisfies Record<string, ChartPin>;

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
