// The fixed shape of the application: which services exist, where the edge routes them
// and whom each one calls. Tunable settings (replicas, canary, resilience) live in the
// stack config schema; this file only holds what a config edit must never change.

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

export interface ServiceSpec {
    /** Path prefix the ingress gateway and the local router send to this service. */
    readonly routePrefix: string;
    /** Services this one calls; drives the `<NAME>_URL` env vars and AuthorizationPolicy. */
    readonly calls: readonly ServiceName[];
    /**
     * Whether every write this service accepts is safe to replay. Retrying a 5xx on a
     * non-idempotent POST can charge or order twice, so those services retry only on
     * failures that happen before the request reached the app (connect-failure, refused-stream).
     */
    readonly idempotentWrites: boolean;
}

export const catalog: Readonly<Record<ServiceName, ServiceSpec>> = {
    product: { routePrefix: "/api/products", calls: [], idempotentWrites: true },
    cart: { routePrefix: "/api/cart", calls: ["inventory", "product"], idempotentWrites: true },
    order: {
        routePrefix: "/api/orders",
        calls: ["product", "inventory", "payment", "shipping", "notification", "user"],
        idempotentWrites: false,
    },
    payment: { routePrefix: "/api/payments", calls: [], idempotentWrites: false },
    user: { routePrefix: "/api/users", calls: [], idempotentWrites: true },
    inventory: { routePrefix: "/api/inventory", calls: [], idempotentWrites: true },
    shipping: { routePrefix: "/api/shipments", calls: [], idempotentWrites: true },
    notification: { routePrefix: "/api/notifications", calls: [], idempotentWrites: true },
};

/** Container port every service listens on (`PORT`), and the Service port in front of it. */
export const containerPort = 8080;
export const servicePort = 80;

/** Name of the env var that holds a downstream service's base URL, e.g. `INVENTORY_URL`. */
export function downstreamUrlEnv(service: ServiceName): string {
    return `${service.toUpperCase()}_URL`;
}
