// The SLO alerts, as Prometheus rule groups built from queries.ts and the stack's
// thresholds. The cluster ships them in a PrometheusRule; the local Prometheus loads the
// same groups from a rule file; `promtool check rules` and `promtool test rules` run on them.
import * as q from "./queries";

export interface AlertRule {
    alert: string;
    expr: string;
    for?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
}
export interface RuleGroup {
    name: string;
    rules: AlertRule[];
}

export interface SloThresholds {
    /** Percent of requests that may fail. */
    errorRatio: number;
    latencyP99Seconds: number;
    for: string;
    ordersAvailability: number;
    canary: { window: string; minRequests: number; maxSuccessDrop: number; maxP99Ratio: number };
    restarts: { count: number; window: string };
}

export interface RuleInputs {
    namespace: string;
    services: string[];
    /** Services splitting traffic between a stable and a canary version. */
    canaries: { service: string; stable: string; canary: string }[];
    slo: SloThresholds;
}

const round = (n: number) => Number(n.toPrecision(12));

/** The thresholds as the stack config states them (observability.slo), in the units the rules use. */
export function sloThresholds(slo: { errorRatio: number; latencyP99: string; for: string; ordersAvailability: number; canary: SloThresholds["canary"]; restarts: SloThresholds["restarts"] }): SloThresholds {
    const p99 = /^(\d+)(ms|s)$/.exec(slo.latencyP99)!;
    return { ...slo, latencyP99Seconds: Number(p99[1]) / (p99[2] === "ms" ? 1000 : 1) };
}

function perService({ services, slo }: RuleInputs): AlertRule[] {
    return services.flatMap((service) => [
        {
            alert: "ServiceErrorRatioHigh",
            expr: `(${q.errorRatio({ service }, "5m")}) > ${round(slo.errorRatio / 100)}`,
            for: slo.for,
            labels: { severity: "warning", service },
            annotations: { summary: `${service}: more than ${slo.errorRatio}% of requests fail with a 5xx` },
        },
        {
            alert: "ServiceLatencyP99High",
            expr: `(${q.latencyQuantile(0.99, { service }, "5m")}) > ${slo.latencyP99Seconds}`,
            for: slo.for,
            labels: { severity: "warning", service },
            annotations: { summary: `${service}: p99 latency above ${slo.latencyP99Seconds}s` },
        },
    ]);
}

/** Multi-window, multi-burn-rate alerts (SRE workbook) on the POST /api/orders availability SLO. */
function ordersBurnRate({ slo }: RuleInputs): AlertRule[] {
    const budget = round(1 - slo.ordersAvailability / 100);
    return q.burnRateWindows.map((w) => ({
        alert: "OrdersErrorBudgetBurn",
        expr: `(${q.errorRatio(q.ordersEndpoint, w.long)}) > ${round(w.factor * budget)} and (${q.errorRatio(q.ordersEndpoint, w.short)}) > ${round(w.factor * budget)}`,
        labels: { severity: w.severity, service: "order", long_window: w.long, short_window: w.short },
        annotations: { summary: `POST /api/orders burns its ${slo.ordersAvailability}% error budget ${w.factor}x too fast (${w.long} and ${w.short} windows)` },
    }));
}

/** The canary loses on success rate or p99 while it takes traffic (at least minRequests in the window). */
function canary({ canaries, slo }: RuleInputs): AlertRule[] {
    const { window, minRequests, maxSuccessDrop, maxP99Ratio } = slo.canary;
    return canaries.flatMap(({ service, stable, canary: version }) => {
        const takesTraffic = `(${q.canaryGate.requests(service, version, window)}) >= ${minRequests}`;
        const labels = { severity: "critical", service, version };
        return [
            {
                alert: "CanarySuccessRateWorse",
                expr: `((${q.canaryGate.successRatio(service, stable, window)}) - (${q.canaryGate.successRatio(service, version, window)})) > ${round(maxSuccessDrop / 100)} and on() ${takesTraffic}`,
                labels,
                annotations: { summary: `${service} ${version} succeeds at least ${maxSuccessDrop} points less often than ${stable}` },
            },
            {
                alert: "CanaryLatencyWorse",
                expr: `(${q.canaryGate.p99(service, version, window)}) > ${maxP99Ratio} * (${q.canaryGate.p99(service, stable, window)}) and on() ${takesTraffic}`,
                labels,
                annotations: { summary: `${service} ${version} p99 is more than ${maxP99Ratio}x ${stable}'s` },
            },
        ];
    });
}

function platform({ namespace, services, slo }: RuleInputs): AlertRule[] {
    return [
        ...services.map((service) => ({
            alert: "CircuitBreakerEjecting",
            expr: `${q.ejectionsActive(service, namespace)} > 0`,
            for: "1m",
            labels: { severity: "warning", service },
            annotations: { summary: `Envoy ejects ${service} pods from the load-balancing pool (outlier detection)` },
        })),
        {
            alert: "PodRestarting",
            expr: `${q.restarts(namespace, slo.restarts.window)} >= ${slo.restarts.count}`,
            labels: { severity: "warning" },
            annotations: { summary: `a container in ${namespace} restarted ${slo.restarts.count} times or more in ${slo.restarts.window}` },
        },
    ];
}

/** Under this many days left, renewal (due 30 days before the end, components/builders/certificates.ts) has failed for two weeks. */
export const certificateWarningDays = 14;

/** The edge certificate: quiet on a stack without cert-manager (no series). */
function certificates(): AlertRule[] {
    return [
        {
            alert: "CertificateExpiresSoon",
            expr: `${q.certificateSecondsLeft()} < ${certificateWarningDays * 86_400}`,
            for: "1h",
            labels: { severity: "critical" },
            annotations: { summary: `a cert-manager Certificate expires in under ${certificateWarningDays} days: its renewal is failing (kubectl describe certificate)` },
        },
        {
            alert: "CertificateNotReady",
            expr: q.certificatesNotReady(),
            // DNS-01 takes minutes (record, propagation check, validation); half an hour is a failure.
            for: "30m",
            labels: { severity: "warning" },
            annotations: { summary: "a cert-manager Certificate has not been Ready for 30 minutes: issuance or renewal fails (kubectl describe certificate, challenges)" },
        },
    ];
}

/** The runbooks, one section per alert (the heading is the alert's name), path from the repository root. */
export const runbookPage = "docs/operations.md";

/** The `runbook_url` annotation (the kube-prometheus convention) of an alert: its runbook section. */
export const runbookUrl = (alert: string) => `${runbookPage}#${alert.toLowerCase()}`;

export function alertGroups(inputs: RuleInputs): RuleGroup[] {
    const withRunbook = (rules: AlertRule[]) => rules.map((rule) => ({ ...rule, annotations: { ...rule.annotations, runbook_url: runbookUrl(rule.alert) } }));
    return [
        { name: "ecommerce-service-slo", rules: withRunbook(perService(inputs)) },
        { name: "ecommerce-orders-availability", rules: withRunbook(ordersBurnRate(inputs)) },
        { name: "ecommerce-canary", rules: withRunbook(canary(inputs)) },
        { name: "ecommerce-platform", rules: withRunbook(platform(inputs)) },
        { name: "ecommerce-certificates", rules: withRunbook(certificates()) },
    ];
}
