// Who may call what through the local router, decided from the API surface the way the mesh
// decides it: the edge listener (the ingress gateway) serves public routes to anyone and
// customer routes to a valid token, whose subject it hands on in `subjectHeader`; a caller's
// own listener (its sidecar) reaches only the routes that name it as a caller. Internal
// routes are never served at the edge.
import type http from "node:http";
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet } from "jose";
import { apiRoutes, findRoute, knownPath, subjectHeader, type ApiRoute } from "../src/runtime/api-surface";
import type { ServiceName } from "../src/runtime/service-names";

/** An answer the router gives itself instead of routing (Envoy's "local reply"), as JSON. */
export interface LocalReply {
    readonly status: number;
    /** LocalReplys use the services' `{ error, details }` shape. */
    readonly body: object;
    readonly headers?: Readonly<Record<string, string>>;
}

/** Checks a request before it is routed; may rewrite its headers. Resolves a LocalReply to stop it. */
export type RequestGate = (req: http.IncomingMessage) => Promise<LocalReply | undefined>;

export interface TokenRules {
    readonly issuer: string;
    readonly audience: string;
    readonly jwks: JSONWebKeySet;
}

const notFound = (req: http.IncomingMessage): LocalReply => ({
    status: 404,
    body: { error: "not found", details: { method: req.method, path: (req.url ?? "/").split("?", 1)[0] } },
});

const unauthorized = (reason: string): LocalReply => ({
    status: 401,
    body: { error: "sign-in required", details: { reason } },
    headers: { "www-authenticate": 'Bearer realm="ecommerce-mesh"' },
});

/** The subject of a valid bearer token, or the reason there is none. */
export function tokenVerifier(rules: TokenRules): (authorization: string | undefined) => Promise<{ subject: string } | { reason: string }> {
    const keys = createLocalJWKSet(rules.jwks);
    return async (authorization) => {
        const match = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(authorization ?? "");
        if (!match) return { reason: authorization ? "the Authorization header is not 'Bearer <token>'" : "send a valid bearer token" };
        try {
            const { payload } = await jwtVerify(match[1], keys, { issuer: rules.issuer, audience: rules.audience });
            if (typeof payload.sub !== "string" || payload.sub === "") return { reason: "the token has no subject" };
            return { subject: payload.sub };
        } catch (err) {
            if (err instanceof joseErrors.JWTExpired) return { reason: "the token has expired" };
            if (err instanceof joseErrors.JOSEError) return { reason: `the token is not valid (${err.code})` };
            throw err;
        }
    };
}

/**
 * The ingress gateway's rules: internal and unknown routes are not routed (404, as Envoy
 * answers with no matching route); customer routes need a valid token. A client's own
 * `subjectHeader` is always removed, so only a verified token names the subject.
 */
export function edgeGate(rules: TokenRules, routes: readonly ApiRoute[] = apiRoutes): RequestGate {
    const verify = tokenVerifier(rules);
    const edgeRoutes = routes.filter((route) => route.class !== "internal");
    return async (req) => {
        delete req.headers[subjectHeader];
        const route = findRoute(req.method ?? "GET", req.url ?? "/", edgeRoutes);
        if (!route) return notFound(req);
        if (route.class === "public") return undefined;
        const verified = await verify(req.headers.authorization);
        if ("reason" in verified) return unauthorized(verified.reason);
        req.headers[subjectHeader] = verified.subject;
        return undefined;
    };
}

/** A service's outbound rules: only the operations whose callers name it (RBAC answers 403). */
export function callerGate(caller: ServiceName, routes: readonly ApiRoute[] = apiRoutes): RequestGate {
    const allowed = routes.filter((route) => route.callers.includes(caller));
    return async (req) => {
        if (findRoute(req.method ?? "GET", req.url ?? "/", allowed)) return undefined;
        if (!knownPath(req.url ?? "/", routes)) return notFound(req);
        return { status: 403, body: { error: "forbidden", details: { caller, method: req.method, path: (req.url ?? "/").split("?", 1)[0] } } };
    };
}

/** Gates that run in order; the first local reply wins. */
export function chainGates(...gates: readonly RequestGate[]): RequestGate {
    return async (req) => {
        for (const gate of gates) {
            const refusal = await gate(req);
            if (refusal) return refusal;
        }
        return undefined;
    };
}

/** Serves the issuer's public keys at `path` (what a RequestAuthentication's `jwksUri` fetches). */
export function publishJwks(path: string, jwks: JSONWebKeySet): RequestGate {
    return async (req) => (req.method === "GET" && (req.url ?? "/").split("?", 1)[0] === path ? { status: 200, body: jwks } : undefined);
}
