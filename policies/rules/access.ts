// Zero trust checks: every ALLOW rule between services names its operations, the ingress
// identity is never admitted on an internal route, and the ingress gateway has a rate limit.

import { asArray, asObject, asString, k8sObject, materialize, ref } from "../lib/k8s";
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

export const ingressRateLimit: StackPolicy = {
    name: "ingress-rate-limit",
    description:
        "The ingress gateway has a rate limit: an EnvoyFilter whose workloadSelector picks the gateway pods and that inserts Envoy's local rate limit filter (envoy.filters.http.local_ratelimit), so one client cannot exhaust the shop. Mandatory in prod. Equivalent: Istio task 'Enabling Rate Limits using Envoy'; OWASP API4:2023 Unrestricted Resource Consumption.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: { properties: { gatewayLabels: { type: "object", default: { istio: "ingressgateway" }, description: "Labels of the ingress gateway pods." } } },
    validateStack: (args, reportViolation) => {
        const { gatewayLabels = { istio: "ingressgateway" } } = args.getConfig<{ gatewayLabels?: Record<string, string> }>();
        const gateways = args.resources.map((resource) => k8sObject(resource, asObject(materialize(resource.props)))).filter((o) => o?.kind === "Gateway");
        if (gateways.length === 0) return;
        const limited = args.resources.some((resource) => {
            const object = k8sObject(resource, asObject(materialize(resource.props)));
            if (object?.kind !== "EnvoyFilter") return false;
            const labels = asObject(asObject(object.spec.workloadSelector).labels);
            const selectsGateway = Object.entries(gatewayLabels).every(([key, value]) => labels[key] === value);
            const insertsLimit = asArray(object.spec.configPatches).some((patch) => asString(asObject(asObject(asObject(patch).patch).value).name) === "envoy.filters.http.local_ratelimit");
            return selectsGateway && insertsLimit;
        });
        if (!limited) {
            report(reportViolation, {
                urn: gateways[0]!.urn,
                message: `${ref(gateways[0]!)}: the ingress gateway has no rate limit (no EnvoyFilter with envoy.filters.http.local_ratelimit on pods labelled ${JSON.stringify(gatewayLabels)})`,
                fix: "Set the stack key rateLimit.enabled to true (budgets in rateLimit.read and rateLimit.write): the program adds the gateway's local rate limit.",
            });
        }
    },
};

export const accessPolicies = [authzLeastPrivilege, ingressRateLimit];
