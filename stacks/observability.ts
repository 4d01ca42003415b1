// The `observability.*` keys: schema, defaults and the checks that need the rest of the
// stack (environment, the collector host). stacks/schema.ts and defaults.ts plug these in.
import { z } from "zod";

const says = (text: string) => ({ error: text });
const flag = z.boolean(says("is not true or false"));
const percentage = z.number(says("is not a percentage from 0 to 100")).min(0, says("is not a percentage from 0 to 100")).max(100, says("is not a percentage from 0 to 100"));
const positiveInt = z.int(says("is not a whole number of 1 or more")).min(1, says("is not a whole number of 1 or more"));

const promDurationText = "is not a Prometheus duration such as 30s, 5m, 1h or 15d";
const promUnits: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };
/** Seconds in a single-unit Prometheus duration (`15d`), or undefined. */
export function promDurationSeconds(text: string): number | undefined {
    const match = /^(\d+)(ms|s|m|h|d|w|y)$/.exec(text);
    return match && Number(match[1]) > 0 ? Number(match[1]) * promUnits[match[2]] : undefined;
}
const promDuration = z.string(says(promDurationText)).refine((text) => promDurationSeconds(text) !== undefined, says(promDurationText));
const storageSize = z.string(says("is not a storage size such as 50Gi")).regex(/^\d+(Mi|Gi|Ti)$/, says("is not a storage size such as 50Gi"));
const dnsLabel = z.string(says("is not a lowercase DNS label")).regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, says("is not a lowercase DNS label (a-z, 0-9, '-', at most 63 characters)"));

export const observabilitySchema = z.strictObject({
    namespace: dnsLabel,
    metrics: z.strictObject({
        enabled: flag,
        scrapeInterval: promDuration,
        retention: promDuration,
        /** A PersistentVolumeClaim of this size; unset keeps the TSDB on the pod (lost on restart). */
        storageSize: storageSize.optional(),
        storageClass: dnsLabel.optional(),
    }),
    alertmanager: z.strictObject({ enabled: flag }),
    grafana: z.strictObject({ enabled: flag, anonymous: flag }),
    tracing: z.strictObject({ enabled: flag }),
    kiali: z.strictObject({ enabled: flag, auth: z.enum(["token", "anonymous"], says("is not one of token, anonymous")) }),
    slo: z.strictObject({
        errorRatio: percentage,
        latencyP99: z.string(says("is not a duration in ms or s such as 500ms")).regex(/^\d+(ms|s)$/, says("is not a duration in ms or s such as 500ms")),
        for: promDuration,
        ordersAvailability: z.number(says("is not a percentage below 100")).gt(0, says("is not a percentage below 100")).lt(100, says("is not a percentage below 100")),
        canary: z.strictObject({
            window: promDuration,
            minRequests: positiveInt,
            /** Percentage points of success rate the canary may lose against stable. */
            maxSuccessDrop: percentage,
            /** The canary's p99 may be at most this many times stable's. */
            maxP99Ratio: z.number(says("is not a ratio of 1 or more")).min(1, says("is not a ratio of 1 or more")),
        }),
        restarts: z.strictObject({ count: positiveInt, window: promDuration }),
    }),
});

export type ObservabilityConfig = z.infer<typeof observabilitySchema>;

export function defaultObservability() {
    return {
        namespace: "observability",
        metrics: { enabled: true, scrapeInterval: "15s", retention: "15d" },
        alertmanager: { enabled: true },
        grafana: { enabled: true, anonymous: false },
        tracing: { enabled: true },
        kiali: { enabled: true, auth: "token" },
        slo: {
            errorRatio: 1,
            latencyP99: "500ms",
            for: "5m",
            ordersAvailability: 99.5,
            canary: { window: "10m", minRequests: 100, maxSuccessDrop: 1, maxP99Ratio: 1.2 },
            restarts: { count: 3, window: "15m" },
        },
    };
}

/** The collector's Service name and namespace, read from the one host name every sender uses. */
export function collectorService(host: string): { name: string; namespace: string | undefined } {
    const [name, namespace, ...rest] = host.split(".");
    const clusterSuffix = rest.join(".");
    return { name, namespace: ["", "svc", "svc.cluster.local"].includes(clusterSuffix) ? namespace : undefined };
}

interface Issue {
    path: (string | number)[];
    input: unknown;
    message: string;
}

/** Rules across keys: prod keeps 15 days on a volume, anonymous UIs only in local, one collector host. */
export function observabilityIssues(config: { environment: string; istio: { tracing: { collector: string } }; observability: ObservabilityConfig }): Issue[] {
    const issues: Issue[] = [];
    const o = config.observability;
    const minimumProdRetention = 15 * 86_400;
    if (config.environment === "prod" && o.metrics.enabled) {
        if ((promDurationSeconds(o.metrics.retention) ?? 0) < minimumProdRetention) {
            issues.push({ path: ["observability", "metrics", "retention"], input: o.metrics.retention, message: "is shorter than 15d, the least a prod stack keeps" });
        }
        if (!o.metrics.storageSize) {
            issues.push({ path: ["observability", "metrics", "storageSize"], input: undefined, message: "is required in prod: Prometheus keeps its data on a persistent volume" });
        }
    }
    if (config.environment !== "local" && o.grafana.anonymous) {
        issues.push({ path: ["observability", "grafana", "anonymous"], input: true, message: `is allowed only in local stacks, not ${config.environment}` });
    }
    if (config.environment !== "local" && o.kiali.auth === "anonymous") {
        issues.push({ path: ["observability", "kiali", "auth"], input: "anonymous", message: `is allowed only in local stacks, not ${config.environment}: use token` });
    }
    for (const part of ["grafana", "kiali", "alertmanager"] as const) {
        if (o[part].enabled && !o.metrics.enabled) {
            issues.push({ path: ["observability", part, "enabled"], input: true, message: "needs observability.metrics.enabled: it reads this stack's Prometheus" });
        }
    }
    const collector = collectorService(config.istio.tracing.collector);
    if (o.tracing.enabled && collector.namespace !== o.namespace) {
        issues.push({
            path: ["istio", "tracing", "collector"],
            input: config.istio.tracing.collector,
            message: `is not a Service in observability.namespace (${o.namespace}), where observability.tracing deploys the collector: use <name>.${o.namespace}.svc.cluster.local`,
        });
    }
    return issues;
}
