// The one scrape job for the mesh, in Prometheus's own config format: the cluster's
// Prometheus runs it over Kubernetes pod discovery, the local Prometheus (services/dev) over
// static targets that carry the same __meta_ labels, so both relabel alike.
//
// Why this works under STRICT mTLS and the services' ALLOW AuthorizationPolicies: Istio's
// metrics merging (meshConfig.enablePrometheusMerge, on by default) rewrites each injected
// pod's prometheus.io/* annotations to the agent's port 15020 (/stats/prometheus), which
// serves the app's /metrics merged with Envoy's. The sidecar does not capture port 15020
// (istio-iptables excludes it from inbound redirection), so the scrape is plain HTTP that
// neither PeerAuthentication nor AuthorizationPolicy sees. istiod (15014) and the ingress
// gateway (15020) carry the same annotations from their charts.

export const scrapeAnnotations = (port: number, path = "/metrics") => ({
    "prometheus.io/scrape": "true",
    "prometheus.io/port": String(port),
    "prometheus.io/path": path,
});

/** The port Istio's merged metrics are served on, outside the sidecar's inbound capture. */
export const mergedMetricsPort = 15020;

export interface RelabelConfig {
    source_labels?: string[];
    regex?: string;
    action?: "keep" | "drop" | "replace" | "labelmap" | "labeldrop";
    target_label?: string;
    replacement?: string;
    separator?: string;
}

/** Keeps annotated pods, scrapes the annotated port and path, labels with namespace, pod and app. */
export const podRelabelling: RelabelConfig[] = [
    { source_labels: ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"], regex: "true", action: "keep" },
    { source_labels: ["__meta_kubernetes_pod_annotation_prometheus_io_path"], regex: "(.+)", target_label: "__metrics_path__", action: "replace" },
    {
        source_labels: ["__meta_kubernetes_pod_ip", "__meta_kubernetes_pod_annotation_prometheus_io_port"],
        separator: ";",
        regex: "(.+);(\\d+)",
        replacement: "$1:$2",
        target_label: "__address__",
        action: "replace",
    },
    { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace", action: "replace" },
    { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod", action: "replace" },
    { source_labels: ["__meta_kubernetes_pod_label_app"], target_label: "app", action: "replace" },
];

export const scrapeJobName = "ecommerce-mesh-pods";

/** The cluster's job: pods in the namespaces the program deploys into. */
export function kubernetesScrapeJob(namespaces: string[], interval: string) {
    return {
        job_name: scrapeJobName,
        scrape_interval: interval,
        kubernetes_sd_configs: [{ role: "pod", namespaces: { names: namespaces } }],
        relabel_configs: podRelabelling,
    };
}
