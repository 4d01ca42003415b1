// Every route the services serve, who may call it and how: the one copy of the API surface.
// The Pulumi program builds the edge VirtualService, the AuthorizationPolicies and the
// README's "Who may call what" table from it, the local router applies it, and a test checks
// that the services register exactly these routes. Like service-names.ts it imports nothing
// at run time, so the services build on their own.
import type { ServiceName } from "./service-names";

export type RouteClass = "public" | "customer" | "internal";
export type RouteMethod = "GET" | "POST" | "DELETE";

export interface ApiRoute {
    readonly service: ServiceName;
    readonly method: RouteMethod;
    /** Fastify's pattern, as the service registers it: `:name` is one path segment. */
    readonly path: string;
    /**
     * public: anyone through the edge; customer: the edge with a valid token, the service
     * checks that the token's subject owns the data; internal: never through the edge.
     */
    readonly class: RouteClass;
    /** Services that call this route inside the mesh (by their mTLS identity). */
    readonly callers: readonly ServiceName[];
    /** A customer route any signed-in customer may call: the data has no single owner. */
    readonly anyCustomer?: true;
    /** Served only by these versions (product ratings are a v2 feature). */
    readonly versions?: readonly string[];
    /**
     * Writes only: whether the same request sent twice leaves the state of one call, so a retry
     * after the request may have reached the app (5xx, reset, per-try timeout) is safe. A test
     * replays each such route against the real services (services/test/replay.test.ts).
     */
    readonly idempotent?: boolean;
    readonly summary: string;
}

/**
 * The header that carries the caller's verified subject to the services. The ingress
 * gateway sets it from the token (`outputClaimToHeaders`), the local router likewise, and
 * services that call on behalf of a customer pass it on. Clients never set it.
 */
export const subjectHeader = "x-auth-subject";

export const apiRoutes: readonly ApiRoute[] = [
    { service: "product", method: "GET", path: "/api/products", class: "public", callers: [], summary: "list the catalogue" },
    { service: "product", method: "GET", path: "/api/products/:id", class: "public", callers: ["cart", "order"], summary: "one product and its price" },
    { service: "product", method: "GET", path: "/api/products/:id/ratings", class: "public", callers: [], versions: ["v2"], summary: "a product's ratings" },
    { service: "product", method: "POST", path: "/api/products/:id/ratings", class: "customer", anyCustomer: true, callers: [], versions: ["v2"], idempotent: false, summary: "rate a product" },
    { service: "cart", method: "GET", path: "/api/cart/:userId", class: "customer", callers: [], summary: "the owner's cart" },
    { service: "cart", method: "POST", path: "/api/cart/:userId/items", class: "customer", callers: [], idempotent: false, summary: "add to the owner's cart" },
    { service: "cart", method: "DELETE", path: "/api/cart/:userId/items/:productId", class: "customer", callers: [], idempotent: true, summary: "remove from the owner's cart" },
    { service: "order", method: "POST", path: "/api/orders", class: "customer", callers: [], idempotent: false, summary: "place an order for the token's subject" },
    { service: "order", method: "GET", path: "/api/orders/:id", class: "customer", callers: [], summary: "one of the owner's orders" },
    { service: "payment", method: "POST", path: "/api/payments", class: "internal", callers: ["order"], idempotent: false, summary: "charge for an order" },
    { service: "payment", method: "POST", path: "/api/payments/refunds", class: "internal", callers: ["order"], idempotent: false, summary: "refund (or void) an order's charge" },
    { service: "user", method: "POST", path: "/api/users", class: "customer", callers: [], idempotent: false, summary: "create the token subject's profile" },
    { service: "user", method: "GET", path: "/api/users/:id", class: "customer", callers: ["order"], summary: "the owner's profile" },
    { service: "inventory", method: "GET", path: "/api/inventory/:productId", class: "public", callers: ["cart"], summary: "stock of a product" },
    { service: "inventory", method: "POST", path: "/api/inventory/reservations", class: "internal", callers: ["order"], idempotent: true, summary: "reserve stock for an order" },
    { service: "inventory", method: "DELETE", path: "/api/inventory/reservations/:orderId", class: "internal", callers: ["order"], idempotent: true, summary: "release an order's stock" },
    { service: "inventory", method: "POST", path: "/api/inventory/reservations/:orderId/consume", class: "internal", callers: ["order"], idempotent: true, summary: "mark a paid order's stock sold" },
    { service: "shipping", method: "POST", path: "/api/shipments", class: "internal", callers: ["order"], idempotent: true, summary: "ship an order" },
    { service: "shipping", method: "GET", path: "/api/shipments/:trackingId", class: "customer", anyCustomer: true, callers: [], summary: "track a shipment by its tracking id" },
    { service: "notification", method: "POST", path: "/api/notifications", class: "internal", callers: ["order"], idempotent: true, summary: "tell a customer about an order" },
    { service: "notification", method: "GET", path: "/api/notifications", class: "customer", callers: [], summary: "the owner's notifications (?userId=)" },
];

/** Whether a retry of the route may replay a request that reached the app: reads, and writes marked idempotent. */
export const retrySafe = (route: ApiRoute): boolean => route.method === "GET" || route.idempotent === true;

/** The versions of `deployed` that serve the route: all of them unless the route names its own. */
export function servingVersions(route: ApiRoute, deployed: readonly string[]): string[] {
    return deployed.filter((version) => !route.versions || route.versions.includes(version));
}

/**
 * The HTTP methods a route answers: a GET route answers HEAD too (Fastify's exposeHeadRoutes).
 * Istio matches `:method` exactly in AuthorizationPolicy operations and VirtualService matches,
 * so every rule built for a route lists all of them.
 */
export function routeMethods(route: ApiRoute): string[] {
    return route.method === "GET" ? ["GET", "HEAD"] : [route.method];
}

/** True for routes the ingress gateway serves. */
export const atEdge = (route: ApiRoute): boolean => route.class !== "internal";

/**
 * Istio's `to.operation.paths` form: each `:param` becomes `{*}`, the path-template operator
 * for exactly one segment (an Envoy URI template), so `/api/cart/{*}/items` never admits
 * `/api/cart/1/items/2`. Istio matches paths without the query string.
 */
export function operationPath(route: ApiRoute): string {
    return route.path.replace(/:[A-Za-z]+/g, "{*}");
}

/**
 * The path as an RE2/JavaScript regular expression matching the whole path (no query):
 * a parameter is one non-empty segment without `/`.
 */
export function pathRegex(route: ApiRoute): string {
    return route.path.replace(/:[A-Za-z]+/g, "[^/]+");
}

/** The route a request is for, by method and path (the query string ignored); undefined when none. */
export function findRoute(method: string, url: string, routes: readonly ApiRoute[] = apiRoutes): ApiRoute | undefined {
    const path = url.split("?", 1)[0];
    return routes.find((route) => routeMethods(route).includes(method) && new RegExp(`^${pathRegex(route)}$`).test(path));
}

/** Whether any route, with any method, has this path: tells a 405-like denial from an unknown path. */
export function knownPath(url: string, routes: readonly ApiRoute[] = apiRoutes): boolean {
    const path = url.split("?", 1)[0];
    return routes.some((route) => new RegExp(`^${pathRegex(route)}$`).test(path));
}

/** The operations a caller makes on a service, derived from the routes' callers. */
export function callsOf(caller: ServiceName, routes: readonly ApiRoute[] = apiRoutes): ApiRoute[] {
    return routes.filter((route) => route.callers.includes(caller));
}
