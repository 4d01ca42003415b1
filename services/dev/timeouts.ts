// The orchestrator receives the stack's route timeouts (services.<name>.timeout, in ms) from
// tools/dev.ts as JSON in DEV_ROUTE_TIMEOUTS; validate them here so a bad value fails at start.
import { z } from "zod";
import { serviceNames, type ServiceName } from "../src/runtime/service-names";
import { DevError } from "./errors";

const timeoutsSchema = z.partialRecord(z.enum(serviceNames), z.number().int().positive());

/** Unset: no route timeout, the router waits as long as a service takes. */
export function parseRouteTimeouts(json: string | undefined): Partial<Record<ServiceName, number>> {
    if (!json) return {};
    let raw: unknown;
    try {
        raw = JSON.parse(json);
    } catch {
        throw new DevError(`DEV_ROUTE_TIMEOUTS is not JSON: ${json}`);
    }
    const parsed = timeoutsSchema.safeParse(raw);
    if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "value"}: ${issue.message}`);
        throw new DevError(`DEV_ROUTE_TIMEOUTS (the stack's services.<name>.timeout in ms) ${json} is not valid: ${problems.join("; ")}`);
    }
    return parsed.data;
}
