// Every PromQL expression the observability stack uses, as functions of (service, version,
// window). Dashboards, PrometheusRules, the local Prometheus's rules and the canary gate all
// call these, so a query is written once. Plain data: importing this loads no Pulumi.

/** A PromQL range such as `5m`. */
export type Window = string;

/** Metric names the services export (services/src/runtime/metrics.ts). */
export const appMetrics = {
    requests: "http_requests_total",
    duration: "http_request_duration_seconds",
    downstream: "downstream_requests_total",
    business: "business_events_total",
} as const;

/** Metric names from outside the services, with who exports them. */
export const platformMetrics = {
    /** Envoy's outlier detection gauge, kept by the mesh's proxyStatsMatcher (istioMesh.ts). */
    ejectionsActive: "envoy_cluster_outlier_detection_ejections_active",
    /** Istio's standard request counter; the ingress gateway's Envoy reports it too. */
    istioRequests: "istio_requests_total",
    /** kube-state-metrics, installed with kube-prometheus-stack. */
    restarts: "kube_pod_container_status_restarts_total",
    /** cert-manager's controller, per Certificate (cert-manager internal/collectors/certificate_collector.go, v1.21.1). */
    certificateExpiry: "certmanager_certificate_expiration_timestamp_seconds",
    /** 1 on the series of the Certificate's current Ready condition (True, False or Unknown). */
    certificateReady: "certmanager_certificate_ready_status",
} as const;

function selector(labels: Record<string, string | undefined>, extra: string[] = []): string {
    const matchers = Object.entries(labels)
        .filter((entry): entry is [string, string] => entry[1] !== undefined)
        .map(([name, value]) => `${name}="${value}"`);
    return `{${[...matchers, ...extra].join(",")}}`;
}

/** The series of one service, one version of it, or (version undefined) all its versions. */
export interface Target {
    service: string;
    version?: string;
    /** Narrows to one endpoint: the route template as Fastify registers it. */
    method?: string;
    route?: string;
}

const labelsOf = (t: Target) => ({ service: t.service, version: t.version, method: t.method, route: t.route });
const serverError = `status=~"5.."`;

/** Requests per second. */
export function requestRate(t: Target, window: Window): string {
    return `sum(rate(${appMetrics.requests}${selector(labelsOf(t))}[${window}]))`;
}

/** Requests answered in the window (the canary gate's sample size). */
export function requestCount(t: Target, window: Window): string {
    return `sum(increase(${appMetrics.requests}${selector(labelsOf(t))}[${window}]))`;
}

/** Share of requests answered with a 5xx, 0–1; 0 (not empty) when traffic had no 5xx series yet. */
export function errorRatio(t: Target, window: Window): string {
    return `(sum(rate(${appMetrics.requests}${selector(labelsOf(t), [serverError])}[${window}])) or vector(0)) / sum(rate(${appMetrics.requests}${selector(labelsOf(t))}[${window}]))`;
}

/** Share of requests answered without a 5xx, 0–1. */
export function successRatio(t: Target, window: Window): string {
    return `1 - (${errorRatio(t, window)})`;
}

/** Latency quantile in seconds, e.g. q = 0.99 for p99. */
export function latencyQuantile(q: number, t: Target, window: Window): string {
    return `histogram_quantile(${q}, sum by (le) (rate(${appMetrics.duration}_bucket${selector(labelsOf(t))}[${window}])))`;
}

/** Calls a service makes to others, per target and outcome. */
export function downstreamRate(service: string, window: Window): string {
    return `sum by (target, status) (rate(${appMetrics.downstream}${selector({ service })}[${window}]))`;
}

/** Domain events per second, e.g. ("order_placed", "confirmed"). */
export function businessRate(event: string, status: string, window: Window): string {
    return `sum(rate(${appMetrics.business}${selector({ event, status })}[${window}]))`;
}

/** Hosts Envoy currently ejects from a service's pool, by calling workload and cluster. */
export function ejectionsActive(service: string, namespace: string): string {
    return `sum by (namespace, pod, cluster_name) (${platformMetrics.ejectionsActive}{cluster_name=~"outbound\\\\|.*\\\\|${service}\\\\.${namespace}\\\\.svc\\\\.cluster\\\\.local"})`;
}

/** Container restarts in a namespace over the window. */
export function restarts(namespace: string, window: Window): string {
    return `sum by (namespace, pod, container) (increase(${platformMetrics.restarts}{namespace="${namespace}"}[${window}]))`;
}

/** Seconds until each Certificate's current certificate expires. */
export function certificateSecondsLeft(): string {
    return `min by (namespace, name, issuer_name) (${platformMetrics.certificateExpiry} - time())`;
}

/** Certificates whose Ready condition is not True (issuance or renewal failing, or still pending). */
export function certificatesNotReady(): string {
    return `max by (namespace, name, issuer_name) (${platformMetrics.certificateReady}{condition=~"False|Unknown"}) == 1`;
}

/**
 * The canary gate: canary vs stable on success rate, p99 and a minimum sample. `promote` and
 * `verify --prometheus` evaluate these; the canary alerts are built from the same three.
 */
export const canaryGate = {
    successRatio: (service: string, version: string, window: Window) => successRatio({ service, version }, window),
    p99: (service: string, version: string, window: Window) => latencyQuantile(0.99, { service, version }, window),
    requests: (service: string, version: string, window: Window) => requestCount({ service, version }, window),
};

/** Scrape targets in the ingress gateway's namespace (none under `npm run dev`, whose router has no metrics). */
export function ingressTargets(namespace: string): string {
    return `up${selector({ namespace })}`;
}

/** Requests the ingress gateway handled in the window (`verify --prometheus`). */
export function ingressRequests(namespace: string, window: Window): string {
    return `sum(increase(${platformMetrics.istioRequests}${selector({ namespace })}[${window}]))`;
}

/** The availability SLO's endpoint and the burn-rate windows of the Google SRE workbook (ch. 5). */
export const ordersEndpoint: Target = { service: "order", method: "POST", route: "/api/orders" };
export const burnRateWindows = [
    { severity: "critical", long: "1h", short: "5m", factor: 14.4 },
    { severity: "critical", long: "6h", short: "30m", factor: 6 },
    { severity: "warning", long: "1d", short: "2h", factor: 3 },
    { severity: "warning", long: "3d", short: "6h", factor: 1 },
] as const;

/** The services' chaos metrics (services/src/runtime/chaos.ts): what was injected on purpose. */
export const chaosMetrics = { active: "chaos_active", injected: "chaos_injected_total" } as const;

/** Envoy's cluster stats the chaos scenarios read; istioMesh.ts's proxyStatsMatcher keeps them. */
export const envoyResilienceMetrics = {
    /** Envoy cluster stats `outlier_detection.ejections_enforced_total`: hosts ejected by the breaker. */
    ejectionsEnforced: "envoy_cluster_outlier_detection_ejections_enforced_total",
    /** Envoy cluster stats `upstream_rq_retry`: retries the caller's sidecar sent. */
    retries: "envoy_cluster_upstream_rq_retry",
} as const;

const outboundCluster = (service: string, namespace: string) => `cluster_name=~"outbound\\\\|.*\\\\|${service}\\\\.${namespace}\\\\.svc\\\\.cluster\\\\.local"`;

/** Requests a service's instances failed (kind status, reset) or delayed (latency) on purpose in the window, by kind. */
export function chaosInjected(service: string, window: Window): string {
    return `sum by (kind) (increase(${chaosMetrics.injected}${selector({ service })}[${window}]))`;
}

/** Requests per second a service failed or delayed on purpose, by kind: the dashboards tell injected failures from real ones. */
export function chaosInjectedRate(service: string, window: Window): string {
    return `sum by (kind) (rate(${chaosMetrics.injected}${selector({ service })}[${window}]))`;
}

/** Instances of a service with a chaos scenario running, by kind (error, latency). */
export function chaosActive(service: string): string {
    return `sum by (kind) (${chaosMetrics.active}${selector({ service })})`;
}

/** Ejections the callers' sidecars enforced on a service's hosts in the window (the breaker opening). */
export function ejectionsEnforced(service: string, namespace: string, window: Window): string {
    return `sum(increase(${envoyResilienceMetrics.ejectionsEnforced}{${outboundCluster(service, namespace)}}[${window}]))`;
}

/** Retries the callers' sidecars sent to a service in the window. */
export function retriesSent(service: string, namespace: string, window: Window): string {
    return `sum(increase(${envoyResilienceMetrics.retries}{${outboundCluster(service, namespace)}}[${window}]))`;
}

/** Share of calls to a service that its callers saw succeed (no 5xx), after the mesh's retries. */
export function callerSuccessRatio(service: string, window: Window): string {
    const calls = (extra: string[]) => `${platformMetrics.istioRequests}${selector({ reporter: "source", destination_service_name: service }, extra)}`;
    return `1 - ((sum(rate(${calls(['response_code=~"5.."'])}[${window}])) or vector(0)) / sum(rate(${calls([])}[${window}])))`;
}

/** Calls to a service its callers saw end with 504 (the route timeout) in the window. */
export function callerTimeouts(service: string, window: Window): string {
    return `sum(increase(${platformMetrics.istioRequests}${selector({ reporter: "source", destination_service_name: service, response_code: "504" })}[${window}]))`;
}

/** The callers' latency quantile for a service, in seconds (Istio's standard request duration). */
export function callerLatencyQuantile(q: number, service: string, window: Window): string {
    return `histogram_quantile(${q}, sum by (le) (rate(istio_request_duration_milliseconds_bucket${selector({ reporter: "source", destination_service_name: service })}[${window}]))) / 1000`;
}
