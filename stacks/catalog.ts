// The fixed shape of the application: which services exist, where the edge routes them
// and whom each one calls. Tunable settings (replicas, canary, resilience) live in the
// stack config schema; this file only holds what a config edit must never change.
// Names and the call graph come from the services package, which needs them at run time
// and must build without the rest of the repo.
import { downstreamsOf, type ServiceName, serviceNames } from "../services/src/runtime/service-names";

export { serviceNames, type ServiceName };

export interface ServiceSpec {
    /** Path prefix the ingress gateway and the local router send to this service. */
    readonly routePrefix: string;
    /** Services this one calls; drives the `<NAME>_URL` env vars and AuthorizationPolicy. */
    readonly calls: readonly ServiceName[];
}

const edge: Record<ServiceName, Omit<ServiceSpec, "calls">> = {
    product: { routePrefix: "/api/products" },
    cart: { routePrefix: "/api/cart" },
    order: { routePrefix: "/api/orders" },
    payment: { routePrefix: "/api/payments" },
    user: { routePrefix: "/api/users" },
    inventory: { routePrefix: "/api/inventory" },
    shipping: { routePrefix: "/api/shipments" },
    notification: { routePrefix: "/api/notifications" },
};

export const catalog: Readonly<Record<ServiceName, ServiceSpec>> = Object.fromEntries(
    serviceNames.map((name) => [name, { ...edge[name], calls: downstreamsOf[name] }]),
) as Record<ServiceName, ServiceSpec>;

/** Container port every service listens on (`PORT`), and the Service port in front of it. */
export const containerPort = 8080;
export const servicePort = 80;

/** Name of the env var that holds a downstream service's base URL, e.g. `INVENTORY_URL`. */
export { urlVariable as downstreamUrlEnv } from "../services/src/runtime/service-names";
