// Chaos at run time: this instance answers errors (a status, or a reset connection) or slows
// down, on all its API routes or one, until a time to live ends it. It exists only when
// CHAOS_ENABLED is true, and then only on a loopback listener of its own (CHAOS_PORT): the
// edge and the mesh reach the pod IP, never 127.0.0.1, so only `kubectl port-forward` (or the
// dev runner, which runs on loopback) reaches it. Threat model: docs/canary.md#chaos.
import Fastify, { type FastifyInstance } from "fastify";
import { Counter, Gauge, type Registry } from "prom-client";
import * as z from "zod";
import { apiRoutes, findRoute, type ApiRoute } from "./api-surface";
import type { ServiceName } from "./service-names";

/** The control's one path, on the chaos listener only. */
export const chaosPath = "/chaos";
/** The longest a scenario may run: it always ends by itself. */
export const maxChaosTtlSeconds = 3_600;

const answer = 'an integer from 500 to 599, or "reset"';
const ttl = `an integer from 1 to ${maxChaosTtlSeconds}`;
const milliseconds = z.int({ error: "an integer from 0 to 600000" }).min(0, { error: "an integer from 0 to 600000" }).max(600_000, { error: "an integer from 0 to 600000" });

const routeName = (route: ApiRoute) => `${route.method} ${route.path}`;

/** What an operator asks for (the body of PUT /chaos). */
export function chaosRequestSchema(service: ServiceName) {
    const routes = apiRoutes.filter((route) => route.service === service).map(routeName);
    return z
        .strictObject({
            errorRate: z.number().min(0, { error: "a number from 0 to 1" }).max(1, { error: "a number from 0 to 1" }).default(0),
            // A status the caller sees, or "reset": the connection closed without an answer.
            errorAnswer: z.union([z.int().min(500, { error: answer }).max(599, { error: answer }), z.literal("reset")], { error: answer }).default(500),
            latencyMs: milliseconds.default(0),
            // With latencyMs, a range: each request waits a uniform draw from [latencyMs, latencyMaxMs].
            latencyMaxMs: milliseconds.optional(),
            route: z.enum(routes, { error: `one of ${routes.map((r) => JSON.stringify(r)).join(", ")}` }).optional(),
            ttlSeconds: z.int({ error: ttl }).min(1, { error: ttl }).max(maxChaosTtlSeconds, { error: ttl }),
        })
        .refine((s) => s.errorRate > 0 || s.latencyMs > 0, { error: "errorRate or latencyMs must be above 0", path: ["errorRate"] })
        .refine((s) => s.latencyMaxMs === undefined || s.latencyMaxMs >= s.latencyMs, { error: "latencyMaxMs must be at least latencyMs", path: ["latencyMaxMs"] });
}

export type ChaosRequest = z.infer<ReturnType<typeof chaosRequestSchema>>;

/** What the control does to one request. */
export interface ChaosDecision {
    readonly delayMs: number;
    readonly answer?: number | "reset";
}

export class ChaosControl {
    private scenario: (ChaosRequest & { readonly expiresAt: number }) | undefined;
    readonly injected: Counter<"kind">;

    constructor(
        readonly service: ServiceName,
        readonly version: string,
        registry: Registry,
        private readonly random: () => number = Math.random,
        private readonly now: () => number = Date.now,
    ) {
        const control = this;
        // Read at scrape time, so a scenario that ran out shows 0 without a timer.
        new Gauge({
            name: "chaos_active",
            help: "1 while a chaos scenario of this kind (error, latency) is active on this instance",
            labelNames: ["kind"] as const,
            registers: [registry],
            collect() {
                const active = control.current();
                this.set({ kind: "error" }, active && active.errorRate > 0 ? 1 : 0);
                this.set({ kind: "latency" }, active && active.latencyMs > 0 ? 1 : 0);
            },
        });
        this.injected = new Counter({
            name: "chaos_injected_total",
            help: "Requests this instance failed (status, reset) or delayed (latency) on purpose",
            labelNames: ["kind"] as const,
            registers: [registry],
        });
        // Zero series from the start, so rate() sees the first injection and dashboards find the metric.
        for (const kind of ["status", "reset", "latency"]) this.injected.inc({ kind }, 0);
    }

    /** Starts a scenario, replacing the one running. */
    set(request: ChaosRequest): void {
        this.scenario = { ...request, expiresAt: this.now() + request.ttlSeconds * 1000 };
    }

    clear(): boolean {
        const had = this.current() !== undefined;
        this.scenario = undefined;
        return had;
    }

    /** The running scenario, undefined once its time to live is over. */
    current(): (ChaosRequest & { readonly expiresAt: number }) | undefined {
        if (this.scenario && this.now() >= this.scenario.expiresAt) this.scenario = undefined;
        return this.scenario;
    }

    describe(): Record<string, unknown> {
        const active = this.current();
        if (!active) return { service: this.service, version: this.version, active: false };
        const { expiresAt, ...rest } = active;
        return { service: this.service, version: this.version, active: true, ...rest, remainingSeconds: Math.ceil((expiresAt - this.now()) / 1000) };
    }

    /** Undefined when the request is left alone: no scenario, another route, or not an API route. */
    decide(method: string, url: string): ChaosDecision | undefined {
        const active = this.current();
        if (!active) return undefined;
        const route = findRoute(method, url, apiRoutes.filter((r) => r.service === this.service));
        if (!route || (active.route !== undefined && routeName(route) !== active.route)) return undefined;
        const spread = (active.latencyMaxMs ?? active.latencyMs) - active.latencyMs;
        const delayMs = active.latencyMs > 0 ? active.latencyMs + Math.round(this.random() * spread) : 0;
        const fails = active.errorRate > 0 && this.random() < active.errorRate;
        if (delayMs > 0) this.injected.inc({ kind: "latency" });
        if (fails) this.injected.inc({ kind: active.errorAnswer === "reset" ? "reset" : "status" });
        return fails ? { delayMs, answer: active.errorAnswer } : delayMs > 0 ? { delayMs } : undefined;
    }
}

/** GET shows, PUT starts (replacing), DELETE ends the instance's scenario. */
export function chaosApp(control: ChaosControl): FastifyInstance {
    const app = Fastify({ logger: false });
    const schema = chaosRequestSchema(control.service);
    app.get(chaosPath, async () => control.describe());
    app.put(chaosPath, async (request, reply) => {
        const parsed = schema.safeParse(request.body ?? {});
        if (!parsed.success) {
            const issue = parsed.error.issues[0];
            return reply.status(400).send({ error: `${issue.path.join(".") || "body"}: expected ${issue.message}` });
        }
        control.set(parsed.data);
        return control.describe();
    });
    app.delete(chaosPath, async () => ({ service: control.service, version: control.version, cleared: control.clear() }));
    return app;
}
