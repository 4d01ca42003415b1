// Fault injection in the local router, as the cluster's VirtualService fault route does it:
// only requests with `<header>: true` are touched, a delay first and then an abort, each on
// its own percentage draw. tools/dev.ts derives the table from the stack's `faults` keys.
import { z } from "zod";
import { serviceNames, type ServiceName } from "../src/runtime/service-names";
import { DevError } from "./errors";
import type { RequestGate } from "./access";
import { serviceForPath, type RandomSource } from "./routes";

const percentage = z.number().min(0).max(100);
const faultSchema = z.strictObject({
    header: z.string().regex(/^[a-z0-9-]+$/),
    delay: z.strictObject({ percentage, fixedDelayMs: z.number().min(0) }).optional(),
    abort: z.strictObject({ percentage, httpStatus: z.int().min(200).max(599) }).optional(),
});
const faultsSchema = z.partialRecord(z.enum(serviceNames), faultSchema);

export type ServiceFault = z.infer<typeof faultSchema>;
export type Faults = Partial<Record<ServiceName, ServiceFault>>;

export function parseFaults(json: string | undefined): Faults {
    if (!json) return {};
    const parsed = faultsSchema.safeParse(JSON.parse(json));
    if (!parsed.success) throw new DevError(`DEV_FAULTS (the stack's services.<name>.faults) ${json} is not valid: ${parsed.error.message}`);
    return parsed.data;
}

/** What the router does to one request before forwarding it. */
export interface FaultDecision {
    readonly delayMs: number;
    readonly abortStatus?: number;
}

export function decideFault(fault: ServiceFault | undefined, headers: Readonly<Record<string, string | string[] | undefined>>, random: RandomSource): FaultDecision {
    if (!fault || headers[fault.header] !== "true") return { delayMs: 0 };
    const delayMs = fault.delay && random() * 100 < fault.delay.percentage ? fault.delay.fixedDelayMs : 0;
    const abortStatus = fault.abort && random() * 100 < fault.abort.percentage ? fault.abort.httpStatus : undefined;
    return { delayMs, abortStatus };
}

export function describeFaults(faults: Faults): string {
    const parts = Object.entries(faults).map(([service, f]) => {
        const what = [f.delay && `${f.delay.percentage}% delayed ${f.delay.fixedDelayMs} ms`, f.abort && `${f.abort.percentage}% aborted ${f.abort.httpStatus}`].filter(Boolean);
        return `${service} (${f.header}: true) ${what.join(", ")}`;
    });
    return parts.length ? `faults: ${parts.join("; ")}` : "no faults";
}

/**
 * A mesh caller's fault filter as a gate (the caller's sidecar applies the VirtualService's fault
 * route): runs after the access rules, as Envoy's fault filter does. The edge has none.
 */
export function faultGate(current: () => Faults, random: RandomSource = Math.random): RequestGate {
    return async (req) => {
        const service = serviceForPath(req.url ?? "/");
        const fault = decideFault(service && current()[service], req.headers, random);
        if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
        if (fault.abortStatus === undefined) return undefined;
        return { status: fault.abortStatus, body: { error: "fault injected", details: { service, abort: fault.abortStatus } } };
    };
}

/**
 * The edge's side: removes every fault header before routing, as the gateway's routes do
 * (headers.request.remove), so no client outside the mesh can ask for a fault.
 */
export function stripFaultHeaders(current: () => Faults): RequestGate {
    return async (req) => {
        for (const fault of Object.values(current())) delete req.headers[fault.header];
        return undefined;
    };
}
