// The local router's routing decision, kept pure so tests can check it without sockets.
// It mirrors the Istio ingress: a path prefix picks the service, and for product the
// canary header forces a version, otherwise a weighted draw splits stable/canary; a route only
// some versions serve (product ratings: v2) goes to those, whatever the header or the draw.

import { findRoute } from "../src/runtime/api-surface";
import { serviceNames, type ServiceName } from "../src/runtime/service-names";

/** Edge path prefixes: a copy of the ingress routes in stacks/catalog.ts, which a test keeps in step. */
export const routePrefixes: Readonly<Record<ServiceName, string>> = {
    product: "/api/products",
    cart: "/api/cart",
    order: "/api/orders",
    payment: "/api/payments",
    user: "/api/users",
    inventory: "/api/inventory",
    shipping: "/api/shipments",
    notification: "/api/notifications",
};

/** The product canary split, as read from the stack's `product.canary` config. */
export interface ProductSplit {
    readonly stable: string;
    readonly canary: string;
    /** Percent (0-100) of unpinned product requests sent to the canary version. */
    readonly weight: number;
    /** Request header whose value pins a version, e.g. `x-version: v2`. */
    readonly header: string;
}

export const defaultProductSplit: ProductSplit = { stable: "v1", canary: "v2", weight: 10, header: "x-version" };

/** Where a request goes: a service, and for product the version serving it. */
export interface Backend {
    readonly service: ServiceName;
    readonly version?: string;
}

/** Returns a number in [0, 1); injectable so the weighted split can be tested deterministically. */
export type RandomSource = () => number;

export function serviceForPath(path: string): ServiceName | undefined {
    const pathname = path.split("?", 1)[0];
    // Match whole segments so `/api/productsX` is not mistaken for product.
    return serviceNames.find((service) => {
        const prefix = routePrefixes[service];
        return pathname === prefix || pathname.startsWith(prefix + "/");
    });
}

/** Picks the product version: a header naming a known version wins, else the weighted draw. */
export function productVersion(split: ProductSplit, pinned: string | undefined, random: RandomSource): string {
    if (pinned === split.stable || pinned === split.canary) return pinned;
    return random() * 100 < split.weight ? split.canary : split.stable;
}

export function chooseBackend(
    method: string,
    path: string,
    headers: Readonly<Record<string, string | string[] | undefined>>,
    split: ProductSplit,
    random: RandomSource = Math.random,
): Backend | undefined {
    const service = serviceForPath(path);
    if (service !== "product") return service && { service };
    const serving = findRoute(method, path)?.versions;
    const only = serving && [split.stable, split.canary].filter((version) => serving.includes(version));
    if (only?.length === 1) return { service, version: only[0] };
    const raw = headers[split.header.toLowerCase()];
    const pinned = Array.isArray(raw) ? raw[0] : raw;
    return { service, version: productVersion(split, pinned, random) };
}
