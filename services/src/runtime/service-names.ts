// The eight services and whom each one calls: the one copy of these facts. The Pulumi
// program reads this file too (stacks/catalog.ts) to set the `<NAME>_URL` variables and
// AuthorizationPolicies, so it imports nothing and builds on its own.

export const serviceNames = [
    "product",
    "cart",
    "order",
    "payment",
    "user",
    "inventory",
    "shipping",
    "notification",
] as const;

export type ServiceName = (typeof serviceNames)[number];

export const downstreamsOf: Readonly<Record<ServiceName, readonly ServiceName[]>> = {
    product: [],
    cart: ["inventory", "product"],
    order: ["product", "inventory", "payment", "shipping", "notification", "user"],
    payment: [],
    user: [],
    inventory: [],
    shipping: [],
    notification: [],
};

/** `inventory` → `INVENTORY_URL`. */
export function urlVariable(service: ServiceName): string {
    return `${service.toUpperCase()}_URL`;
}
