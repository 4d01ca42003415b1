import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../stacks";
import { edgeMatches, gatewayAuthorizationSpec, localRepliesEnvoyFilterSpec, rateLimitEnvoyFilterSpec, requestAuthenticationSpec } from "./builders/access";
import { tlsTerminatedByAnnotation } from "../policies/rules/meshReferences";
import { serviceLabels } from "./builders/labels";
import { type HttpRoute, httpRoutes, type RouteTarget } from "./builders/routing";

export type GatewayTls =
    | { credentialName: string; minProtocolVersion: "TLSV1_2" | "TLSV1_3"; hstsMaxAge: number }
    | { terminatedBy: string };


export interface EdgeGatewayArgs {
    namespace: pulumi.Input<string>;
    namespaceName: string;
    /** Hosts the gateway answers for ("*" for any). */
    hosts: string[];
    /** HTTPS at the Gateway, or the named front end that terminates TLS before it. */
    tls: GatewayTls;
    /** Label value of the ingress gateway pods (`istio: <selector>`). */
    gatewaySelector: string;
    /** Every service, with its config; the edge routes only its public and customer routes. */
    services: RouteTarget[];
    /** Namespace of the ingress gateway pods, where their token and rate-limit objects live. */
    ingressNamespace: pulumi.Input<string>;
    /** End-user tokens: RequestAuthentication and the DENY for customer routes without one. */
    auth: StackConfig["auth"];
    /** Requests per client address, when enabled. */
    rateLimit: StackConfig["rateLimit"];
}

/**
 * The way in: an Istio Gateway on the ingress gateway pods and one gateway-bound
 * VirtualService that sends each `/api/...` prefix to its service. Its routes are the
 * services' own mesh routes scoped to their prefix, because a subset split on a
 * mesh-only VirtualService does not apply to traffic entering through a gateway.
 */
export class EdgeGateway extends pulumi.ComponentResource {
    public readonly gatewayName: string;

    constructor(name: string, args: EdgeGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:mesh:EdgeGateway", name, {}, opts);
        this.gatewayName = name;
        const metadata = { name, namespace: args.namespace, labels: serviceLabels(name) };
        const { tls } = args;
        const faultHeaders = [...new Set(args.services.flatMap((target) => (target.config.faults ? [target.config.faults.header] : [])))];

        new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: "networking.istio.io/v1",
                kind: "Gateway",
                metadata: "terminatedBy" in tls ? { ...metadata, annotations: { [tlsTerminatedByAnnotation]: tls.terminatedBy } } : metadata,
                spec: {
                    selector: { istio: args.gatewaySelector },
                    servers: gatewayServers(args.hosts, tls),
                },
            },
            { parent: this, dependsOn: opts?.dependsOn },
        );

        new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: "networking.istio.io/v1",
                kind: "VirtualService",
                metadata,
                spec: {
                    hosts: args.hosts,
                    gateways: [`${args.namespaceName}/${name}`],
                    http: args.services.flatMap((target) => {
                        const edge = edgeMatches(target.service);
                        return edge.length > 0 ? httpRoutes(target, edge).map((route) => withHsts(withoutFaultHeaders(route, faultHeaders), tls)) : [];
                    }),
                },
            },
            { parent: this, dependsOn: opts?.dependsOn },
        );

        // The gateway's own checks, on its pods: tokens, who needs one, the rate limit and JSON answers.
        const atGateway = (kind: string, objectName: string, apiVersion: string, spec: object) =>
            new k8s.apiextensions.CustomResource(
                `${name}-${objectName}`,
                { apiVersion, kind, metadata: { name: objectName, namespace: args.ingressNamespace, labels: serviceLabels(name) }, spec },
                { parent: this, dependsOn: opts?.dependsOn },
            );
        atGateway("RequestAuthentication", "end-user-jwt", "security.istio.io/v1", requestAuthenticationSpec(args.auth, args.gatewaySelector));
        atGateway("AuthorizationPolicy", "require-customer-token", "security.istio.io/v1", gatewayAuthorizationSpec(args.gatewaySelector));
        atGateway("EnvoyFilter", "edge-local-replies", "networking.istio.io/v1alpha3", localRepliesEnvoyFilterSpec(args.gatewaySelector));
        if (args.rateLimit.enabled) {
            atGateway("EnvoyFilter", "edge-rate-limit", "networking.istio.io/v1alpha3", rateLimitEnvoyFilterSpec(args.rateLimit, args.gatewaySelector));
        }

        this.registerOutputs({ gatewayName: this.gatewayName });
    }
}

function gatewayServers(hosts: string[], tls: GatewayTls) {
    const http = { port: { number: 80, name: "http", protocol: "HTTP" }, hosts };
    if ("terminatedBy" in tls) {
        return [http];
    }
    return [
        // httpsRedirect: a 301 to https for every request on port 80 (Istio ServerTLSSettings).
        { ...http, tls: { httpsRedirect: true } },
        {
            port: { number: 443, name: "https", protocol: "HTTPS" },
            hosts,
            tls: { mode: "SIMPLE", credentialName: tls.credentialName, minProtocolVersion: tls.minProtocolVersion },
        },
    ];
}

/**
 * HTTPRoute.headers.request.remove (networking/v1 VirtualService Headers): a fault header is gone
 * before the request leaves the gateway, on every route, since any service may pass headers on to
 * one whose faults are on. Only mesh callers can opt in to a fault.
 */
function withoutFaultHeaders(route: HttpRoute, headers: readonly string[]): HttpRoute {
    return headers.length ? { ...route, headers: { ...route.headers, request: { remove: [...headers] } } } : route;
}

/** Strict-Transport-Security on every response of the route, set by the gateway (RFC 6797: browsers honour it only over HTTPS). */
function withHsts(route: HttpRoute, tls: GatewayTls): HttpRoute {
    // Keeps the route's request header edits (the fault header the edge strips) beside the response's.
    return "terminatedBy" in tls ? route : { ...route, headers: { ...route.headers, response: { set: { [hstsHeader]: `max-age=${tls.hstsMaxAge}; includeSubDomains` } } } };
}

export const hstsHeader = "strict-transport-security";
