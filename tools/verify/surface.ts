// The endpoints verify reads through the gateway, and how it authenticates, both from the one
// API surface (services/src/runtime/api-surface.ts): public routes without a token, customer
// routes with a token for the customer the guide's order uses, internal routes must be refused.
import { apiRoutes, type ApiRoute } from "../../services/src/runtime/api-surface";
import type { ServiceName } from "../../stacks";
import { tokenOutput } from "../token/main";

export interface ReadEndpoint {
    readonly service: ServiceName;
    readonly path: string;
    readonly class: ApiRoute["class"];
    /** The version the route needs, pinned with the canary header (product ratings: v2). */
    readonly version?: string;
}

/** The customer the checks act as: the guide's order is for user 1. */
export const customer = "1";

/** Parameters only a created order supplies: those routes are read in the order check. */
const fromOrder = new Set(["/api/orders/:id", "/api/shipments/:trackingId"]);
/** Queries a route needs besides its path (api-surface names them in the summary). */
const queries: Readonly<Record<string, string>> = { "/api/notifications": `userId=${customer}` };

/** Every GET the edge serves, its parameters filled with the seeded product and the customer. */
export const readEndpoints: readonly ReadEndpoint[] = apiRoutes
    .filter((route) => route.method === "GET" && route.class !== "internal" && !fromOrder.has(route.path))
    .map((route) => {
        const path = route.path.replace(/:[A-Za-z]+/g, customer);
        return { service: route.service, path: queries[route.path] ? `${path}?${queries[route.path]}` : path, class: route.class, version: route.versions?.[0] };
    });

/** Routes the gateway must not serve at all, with a path that would match them. */
export const internalRoutes = apiRoutes.filter((route) => route.class === "internal").map((route) => ({ service: route.service, method: route.method, path: route.path.replace(/:[A-Za-z]+/g, customer) }));

/**
 * The bearer token for customer routes: `--token`, else one minted by the development issuer
 * the way `npm run token -- --user 1` mints it (what npm run dev and the local stack trust).
 */
export async function customerAuth(token?: string): Promise<Record<string, string>> {
    return { authorization: `Bearer ${token ?? (await tokenOutput({ kind: "token", user: customer, ttlSeconds: 3600 }))}` };
}

/** A path no route serves. */
export const unknownPath = "/api/verify-no-such-route";
