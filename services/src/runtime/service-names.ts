// The eight services and whom each one calls (from the API surface beside it): the one copy
// of these facts. The Pulumi program reads this file too (stacks/catalog.ts) to set the
// `<NAME>_URL` variables and AuthorizationPolicies, so it imports only its neighbour and
// builds on its own.
import { apiRoutes } from "./api-surface";

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

/** Whom each service calls: derived from the routes' callers in the API surface. */
export const downstreamsOf: Readonly<Record<ServiceName, readonly ServiceName[]>> = Object.fromEntries(
    serviceNames.map((caller) => [caller, serviceNames.filter((target) => apiRoutes.some((route) => route.service === target && route.callers.includes(caller)))]),
) as unknown as Record<ServiceName, readonly ServiceName[]>;

/** `inventory` → `INVENTORY_URL`. */
export function urlVariable(service: ServiceName): string {
    return `${service.toUpperCase()}_URL`;
}
