// Zero trust checks: every ALLOW rule between services names its operations, the ingress
// identity is never admitted on an internal route, and the ingress gateway has a rate limit.

import { asArray, asObject, asString, k8sObject, materialize, ref } from "../lib/k8s";
import { meshIndex } from "../lib/meshIndex";
import { LocalRateLimitModel, passedPerClient } from "../lib/rateLimitModel";
import { report } from "../lib/report";
import type { ResourcePolicy, StackPolicy } from "../lib/types";

interface InternalRoute {
    method: string;
    path: string;
}

/** Internal routes of the API surface (services/src/runtime/api-surface.ts); a test keeps them equal. */
export const defaultInternalRoutes: InternalRoute[] = [
    { method: "POST", path: "/api/payments" },
    { method: "POST", path: "/api/payments/refunds" },
    { method: "POST", path: "/api/inventory/reservations" },
    { method: "DELETE", path: "/api/inventory/reservations/:orderId" },
    { method: "POST", path: "/api/inventory/reservations/:orderId/consume" },
    { method: "POST", path: "/api/shipments" },
    { method: "POST", path: "/api/notifications" },
];
const defaultIngressPrincipals = ["cluster.local/ns/istio-ingress/sa/istio-ingressgateway"];

/** An Istio `paths` entry (exact, `prefix*`, `*suffix`, `*`, `{*}` / `{**}` templates) as a regular expression. */
export function istioPathRegex(pattern: string): RegExp {
    const escape = (text: string) => text.replace(/[.+?^$()|[\]\\]/g, "\\$&");
    if (pattern === "*") return /^.*$/;
    if (/\{\*\*?\}/.test(pattern)) {
        const body = pattern.split(/(\{\*\*\}|\{\*\})/).map((part) => (part === "{**}" ? ".*" : part === "{*}" ? "[^/]+" : escape(part)));
        return new RegExp(`^${body.join("")}$`);
    }
    if (pattern.endsWith("*")) return new RegExp(`^${escape(pattern.slice(0, -1))}.*$`);
    if (pattern.startsWith("*")) return new RegExp(`^.*${escape(pattern.slice(1))}$`);
    return new RegExp(`^${escape(pattern)}$`);
}

/** A concrete request path for a route pattern: each `:param` becomes one sample segment. */
const samplePath = (path: string) => path.replace(/:[A-Za-z]+/g, "x1");

export const authzLeastPrivilege: ResourcePolicy = {
    name: "authz-least-privilege",
    description:
        "Every ALLOW rule of an AuthorizationPolicy names its callers (from.source) and the operations they may use (to.operation with methods and paths), and no rule admits the ingress gateway's identity on an internal route (`internalRoutes`, mirrored from the API surface). An identity alone is not enough inside a zero-trust mesh. Equivalent: Istio security best practice 'use ALLOW-with-positive-matching'; istioctl analyze has no counterpart.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: {
        properties: {
            internalRoutes: { type: "array", items: { type: "object" }, default: defaultInternalRoutes, description: "Routes ({ method, path }, `:param` for a segment) only services may call." },
            ingressPrincipals: { type: "array", items: { type: "string" }, default: defaultIngressPrincipals, description: "SPIFFE principals of the ingress gateway." },
        },
    },
    validateResource: (args, reportViolation) => {
        const object = k8sObject(args, asObject(materialize(args.props)));
        if (!object || object.kind !== "AuthorizationPolicy" || (asString(object.spec.action) ?? "ALLOW") !== "ALLOW") return;
        const { internalRoutes = defaultInternalRoutes, ingressPrincipals = defaultIngressPrincipals } = args.getConfig<{ internalRoutes?: InternalRoute[]; ingressPrincipals?: string[] }>();
        asArray(object.spec.rules).forEach((raw, index) => {
            const rule = asObject(raw);
            const where = `${ref(object)}: rule ${index + 1}`;
            const principals = asArray(rule.from).flatMap((from) => asArray<string>(asObject(asObject(from).source).principals));
            const operations = asArray(rule.to).map((to) => asObject(asObject(to).operation));
            if (asArray(rule.from).length === 0) {
                report(reportViolation, { message: `${where} admits any source`, fix: "Name the callers in from.source.principals (their ServiceAccounts)." });
            }
            const open = operations.length === 0 || operations.some((op) => asArray(op.methods).length === 0 || asArray(op.paths).length === 0);
            if (open) {
                report(reportViolation, {
                    message: `${where} (from ${principals.join(", ") || "anyone"}) does not limit what may be called: ${operations.length === 0 ? "no to.operation" : "an operation without methods or paths"}`,
                    fix: "List each call the caller makes as to.operation with methods and paths (derived from the API surface).",
                });
            }
            if (!principals.some((principal) => ingressPrincipals.includes(principal))) return;
            for (const route of internalRoutes) {
                const admitted = operations.some(
                    (op) =>
                        (asArray(op.methods).length === 0 || asArray(op.methods).includes(route.method)) &&
                        (asArray(op.paths).length === 0 || asArray<string>(op.paths).some((path) => istioPathRegex(path).test(samplePath(route.path)))),
                );
                if (admitted) {
                    report(reportViolation, {
                        message: `${where} admits the ingress gateway on the internal route ${route.method} ${route.path}`,
                        fix: "Admit the ingress only on public and customer routes; internal routes are for the services that call them.",
                    });
                }
            }
        });
    },
};

const localRateLimit = "envoy.filters.http.local_ratelimit";

/**
 * What the rendered filter does to `clients` clients that each send their budget, then one more
 * request, within one interval on one gateway pod (the model: ../lib/rateLimitModel.ts).
 */
function budgetFindings(typedConfig: unknown, clients: number): string[] {
    const findings: string[] = [];
    const config = asObject(typedConfig);
    for (const method of ["GET", "POST"]) {
        const budget = new LocalRateLimitModel(config).budgetOf({ client: "203.0.113.1", method });
        if (budget === undefined) continue;
        const passed = passedPerClient(config, clients, new Array<string>(budget + 1).fill(method));
        const short = passed.filter((n) => n < budget).length;
        const over = passed.filter((n) => n > budget).length;
        if (short > 0) {
            const always = config.always_consume_default_token_bucket;
            findings.push(
                `${short} of ${clients} clients get fewer than their ${budget} ${method} requests: ${always === false ? "a bucket shared by all clients is taken" : `the default token_bucket (${asObject(config.token_bucket).max_tokens} tokens) is taken by every request (always_consume_default_token_bucket ${always === undefined ? "unset, default true" : "true"})`}`,
            );
        }
        if (over > 0) findings.push(`${over} of ${clients} clients get more than their ${budget} ${method} requests: per-client buckets are evicted and start full (max_dynamic_descriptors ${config.max_dynamic_descriptors ?? "unset, default 20"})`);
    }
    return findings;
}

export const ingressRateLimit: StackPolicy = {
    name: "ingress-rate-limit",
    description:
        "The ingress gateway has a rate limit: an EnvoyFilter whose workloadSelector picks the gateway pods and that inserts Envoy's local rate limit filter (envoy.filters.http.local_ratelimit), so one client cannot exhaust the shop. Mandatory in prod. It also fails when the filter, run through a model of Envoy's local rate limit, does not give each of `clients` clients exactly its budget (a default bucket taken by every request, evicted per-client buckets), and when the gateway Service keeps externalTrafficPolicy Cluster, which replaces client addresses by a node's. Equivalent: Istio task 'Enabling Rate Limits using Envoy'; OWASP API4:2023 Unrestricted Resource Consumption.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: {
        properties: {
            gatewayLabels: { type: "object", default: { istio: "ingressgateway" }, description: "Labels of the ingress gateway pods." },
            clients: { type: "integer", default: 100, description: "Distinct client addresses one gateway pod must give a full budget to within one interval." },
        },
    },
    validateStack: (args, reportViolation) => {
        const { gatewayLabels = { istio: "ingressgateway" }, clients = 100 } = args.getConfig<{ gatewayLabels?: Record<string, string>; clients?: number }>();
        const index = meshIndex(args.resources);
        const gateways = index.kind("Gateway");
        if (gateways.length === 0) return;
        const filters = index.kind("EnvoyFilter").filter((object) => {
            const labels = asObject(asObject(object.spec.workloadSelector).labels);
            return Object.entries(gatewayLabels).every(([key, value]) => labels[key] === value);
        });
        const limits = filters.flatMap((filter) =>
            asArray(filter.spec.configPatches)
                .map((patch) => asObject(asObject(asObject(patch).patch).value))
                .filter((value) => asString(value.name) === localRateLimit)
                .map((value) => ({ filter, typedConfig: value.typed_config })),
        );
        if (limits.length === 0) {
            report(reportViolation, {
                urn: gateways[0]!.urn,
                message: `${ref(gateways[0]!)}: the ingress gateway has no rate limit (no EnvoyFilter with ${localRateLimit} on pods labelled ${JSON.stringify(gatewayLabels)})`,
                fix: "Set the stack key rateLimit.enabled to true (budgets in rateLimit.read and rateLimit.write): the program adds the gateway's local rate limit.",
            });
            return;
        }
        for (const { filter, typedConfig } of limits) {
            for (const finding of budgetFindings(typedConfig, clients)) {
                report(reportViolation, {
                    urn: filter.urn,
                    message: `${ref(filter)}: with ${clients} clients on one gateway pod, ${finding}`,
                    fix: "Set always_consume_default_token_bucket: false and max_dynamic_descriptors to at least the clients a pod serves per interval (the program's rateLimitEnvoyFilterSpec does).",
                });
            }
        }
        for (const release of index.helmReleases.filter((r) => r.chart.replace(/^.*\//, "") === "gateway")) {
            const service = asObject(release.values.service);
            const type = asString(service.type) ?? "LoadBalancer";
            if (type !== "ClusterIP" && service.externalTrafficPolicy !== "Local") {
                report(reportViolation, {
                    urn: release.urn,
                    message: `gateway chart release ${release.namespace}/${release.name}: service.externalTrafficPolicy is ${asString(service.externalTrafficPolicy) || "unset (Cluster)"} on a ${type} Service, so nodes replace client addresses with their own and the rate limit's remote_address is a node's`,
                    fix: "Set the chart value service.externalTrafficPolicy to Local (the program does for LoadBalancer and NodePort).",
                });
            }
        }
    },
};

export const accessPolicies = [authzLeastPrivilege, ingressRateLimit];
