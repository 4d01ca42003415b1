// The endpoints verify reads through the gateway, and how it authenticates. One small module,
// so that when the API surface catalogue lands it becomes the source: public routes without a
// token, customer routes with a minted one.
import type { ServiceName } from "../../stacks";

export interface ReadEndpoint {
    readonly service: ServiceName;
    readonly path: string;
}

/** A GET that needs no state the check did not create; payment has none (the order flow reaches it). */
export const readEndpoints: readonly ReadEndpoint[] = [
    { service: "product", path: "/api/products" },
    { service: "product", path: "/api/products/1" },
    { service: "cart", path: "/api/cart/1" },
    { service: "user", path: "/api/users/1" },
    { service: "inventory", path: "/api/inventory/1" },
    { service: "notification", path: "/api/notifications?userId=1" },
];

/** Headers every request carries (none yet: the edge takes anonymous requests). */
export function authHeaders(): Record<string, string> {
    return {};
}

/** A path no route serves. */
export const unknownPath = "/api/verify-no-such-route";
