// Zero trust as plain data, all from the API surface (services/src/runtime/api-surface.ts):
// which paths the edge routes, what each caller may do to each service, how the ingress
// gateway checks end-user tokens, and its rate limit.
import { apiRoutes, atEdge, operationPath, pathRegex, routeMethods, subjectHeader, type ApiRoute } from "../../services/src/runtime/api-surface";
import { parseDuration, type ServiceName, type StackConfig } from "../../stacks";
import type { HttpMatch } from "./routing";

const routesOf = (service: ServiceName) => apiRoutes.filter((route) => route.service === service);

/**
 * The edge VirtualService's matches for a service: one per method of its public and customer
 * routes (GET admits HEAD too), with those routes' paths; empty when it has none at the edge.
 */
export function edgeMatches(service: ServiceName): HttpMatch[] {
    const edge = routesOf(service).filter(atEdge);
    return [...new Set(edge.map((route) => route.method))].map((method) => {
        const routes = edge.filter((route) => route.method === method);
        const paths = [...new Set(routes.map(pathRegex))];
        const methods = routeMethods(routes[0]);
        return {
            uri: { regex: paths.length === 1 ? paths[0] : `(?:${paths.join("|")})` },
            method: methods.length > 1 ? { regex: methods.join("|") } : { exact: method },
        };
    });
}

// Istio compares `methods` with :method exactly, so a GET route lists HEAD too (security/v1 Operation).
const operation = (route: ApiRoute) => ({ operation: { methods: routeMethods(route), paths: [operationPath(route)] } });

/** SPIFFE principal of a service's ServiceAccount. */
export const servicePrincipal = (namespace: string, service: ServiceName) => `cluster.local/ns/${namespace}/sa/${service}`;

/**
 * ALLOW rules for a service's AuthorizationPolicy: each caller gets exactly the operations
 * it makes (method and path), the ingress gateway only the public and customer routes.
 */
export function authorizationRules(service: ServiceName, namespace: string, ingressPrincipal: string) {
    const routes = routesOf(service);
    const callers = [...new Set(routes.flatMap((route) => route.callers))];
    const rules = callers.map((caller) => ({
        from: [{ source: { principals: [servicePrincipal(namespace, caller)] } }],
        to: routes.filter((route) => route.callers.includes(caller)).map(operation),
    }));
    const edge = routes.filter(atEdge);
    if (edge.length > 0) rules.unshift({ from: [{ source: { principals: [ingressPrincipal] } }], to: edge.map(operation) });
    return rules;
}

/** RequestAuthentication on the ingress gateway: tokens from `auth.issuer`, the subject passed on in `subjectHeader`. */
export function requestAuthenticationSpec(auth: StackConfig["auth"], gatewaySelector: string) {
    return {
        selector: { matchLabels: { istio: gatewaySelector } },
        jwtRules: [
            {
                issuer: auth.issuer,
                audiences: auth.audiences,
                ...(auth.jwksUri ? { jwksUri: auth.jwksUri } : { jwks: auth.jwks }),
                // Envoy overwrites (and, without a valid token, removes) this header, so a
                // client's own value never reaches a service as a verified subject.
                outputClaimToHeaders: [{ header: subjectHeader, claim: "sub" }],
                forwardOriginalToken: false,
            },
        ],
    };
}

/** Customer routes without a verified token are denied at the gateway (the local reply turns the 403 into a JSON 401). */
export function gatewayAuthorizationSpec(gatewaySelector: string) {
    return {
        selector: { matchLabels: { istio: gatewaySelector } },
        action: "DENY",
        rules: [
            {
                from: [{ source: { notRequestPrincipals: ["*"] } }],
                to: apiRoutes.filter((route) => route.class === "customer").map(operation),
            },
        ],
    };
}

const readMethodsRegex = "GET|HEAD|OPTIONS";
const jsonBody = (error: string, details: Record<string, string>) => ({ json_format: { error, details }, content_type: "application/json" });

/**
 * Client addresses one gateway pod keeps a bucket for, per budget (`max_dynamic_descriptors`):
 * past it the least recently seen client's bucket is evicted and starts full again. Envoy's
 * default, 20, would let a 21st client reset the others (see rateLimitModel.ts).
 */
export const rateLimitClientsPerPod = 10_000;

/**
 * Envoy's local rate limit as the first HTTP filter of the ingress gateway: one token bucket
 * per client address and budget (reads, writes), refilled every `rateLimit.interval`, per
 * gateway pod. Descriptor entries without a value create a bucket per distinct address.
 * Semantics (which requests pass) are in rateLimitModel.ts.
 */
export function rateLimitEnvoyFilterSpec(rateLimit: StackConfig["rateLimit"], gatewaySelector: string) {
    const seconds = (parseDuration(rateLimit.interval) ?? 60_000) / 1000;
    const bucket = (tokens: number) => ({ max_tokens: tokens, tokens_per_fill: tokens, fill_interval: `${seconds}s` });
    const budget = (name: "read" | "write", invert: boolean) => ({
        actions: [
            { header_value_match: { descriptor_key: "budget", descriptor_value: name, expect_match: !invert, headers: [{ name: ":method", string_match: { safe_regex: { regex: readMethodsRegex } } }] } },
            { remote_address: {} },
        ],
    });
    const enabled = { default_value: { numerator: 100, denominator: "HUNDRED" } };
    return {
        workloadSelector: { labels: { istio: gatewaySelector } },
        configPatches: [
            {
                applyTo: "HTTP_FILTER",
                match: { context: "GATEWAY", listener: { filterChain: { filter: { name: "envoy.filters.network.http_connection_manager" } } } },
                patch: {
                    operation: "INSERT_FIRST",
                    value: {
                        name: "envoy.filters.http.local_ratelimit",
                        typed_config: {
                            "@type": "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
                            stat_prefix: "edge_rate_limit",
                            // Only for a request no descriptor matches (none: every method is a read or a write).
                            token_bucket: bucket(rateLimit.read + rateLimit.write),
                            // Default true: every request would also take a token from the one shared
                            // bucket above, capping all clients together (local_ratelimit_impl.cc).
                            always_consume_default_token_bucket: false,
                            max_dynamic_descriptors: rateLimitClientsPerPod,
                            filter_enabled: enabled,
                            filter_enforced: enabled,
                            rate_limits: [budget("read", false), budget("write", true)],
                            descriptors: [
                                { entries: [{ key: "budget", value: "read" }, { key: "remote_address" }], token_bucket: bucket(rateLimit.read) },
                                { entries: [{ key: "budget", value: "write" }, { key: "remote_address" }], token_bucket: bucket(rateLimit.write) },
                            ],
                            response_headers_to_add: [{ append_action: "OVERWRITE_IF_EXISTS_OR_ADD", header: { key: "retry-after", value: String(seconds) } }],
                        },
                    },
                },
            },
        ],
    };
}

/**
 * The gateway's own answers as JSON in the services' `{ error, details }` shape: the token
 * DENY becomes 401 with WWW-Authenticate, a rejected token 401, the rate limit 429, no route 404.
 */
export function localRepliesEnvoyFilterSpec(gatewaySelector: string) {
    const status = (code: number) => ({ status_code_filter: { comparison: { op: "EQ", value: { default_value: code, runtime_key: `edge_local_reply_${code}` } } } });
    return {
        workloadSelector: { labels: { istio: gatewaySelector } },
        configPatches: [
            {
                applyTo: "NETWORK_FILTER",
                match: { context: "GATEWAY", listener: { filterChain: { filter: { name: "envoy.filters.network.http_connection_manager" } } } },
                patch: {
                    operation: "MERGE",
                    value: {
                        typed_config: {
                            "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                            local_reply_config: {
                                mappers: [
                                    {
                                        filter: status(403),
                                        status_code: 401,
                                        headers_to_add: [{ append_action: "OVERWRITE_IF_EXISTS_OR_ADD", header: { key: "www-authenticate", value: 'Bearer realm="ecommerce-mesh"' } }],
                                        body_format_override: jsonBody("sign-in required", { reason: "send a valid bearer token" }),
                                    },
                                    { filter: status(401), body_format_override: jsonBody("sign-in required", { reason: "%LOCAL_REPLY_BODY%" }) },
                                    { filter: status(429), body_format_override: jsonBody("rate limit exceeded", { reason: "%LOCAL_REPLY_BODY%" }) },
                                    { filter: status(404), body_format_override: jsonBody("not found", { path: "%REQ(:PATH)%" }) },
                                ],
                            },
                        },
                    },
                },
            },
        ],
    };
}
