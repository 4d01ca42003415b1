// Kubernetes probes. Live: the process answers. Startup: migrations have run. Ready: started,
// not shutting down, the database answers and, in a service that calls others, the HTTP
// client has worked once, so the mesh only routes here when a request can succeed.
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Database } from "./database";
import { errorBody } from "./errors";

export class Lifecycle {
    started = false;
    shuttingDown = false;
}

const readinessPingTimeoutMs = 1_000;

/** A failing probe answers 503 in the one error shape, the reason also in `details.status`. */
const notReady = (reply: FastifyReply, status: string) => reply.status(503).send(errorBody(`not ready: ${status}`, { status }));

/**
 * Runs `check` until it succeeds once, then answers undefined for good; until then each call
 * runs it again (one at a time) and answers its error message.
 */
export function onceSucceeded(check: () => Promise<void>): () => Promise<string | undefined> {
    let succeeded = false;
    let running: Promise<string | undefined> | undefined;
    return () => {
        if (succeeded) return Promise.resolve(undefined);
        running ??= check()
            .then(() => void (succeeded = true))
            .catch((error: unknown) => (error instanceof Error ? error.message : String(error)))
            .finally(() => (running = undefined));
        return running;
    };
}

/** `clientBroken` answers why the inter-service HTTP client does not work, undefined when it does. */
export function registerHealthRoutes(app: FastifyInstance, lifecycle: Lifecycle, db: Database, clientBroken?: () => Promise<string | undefined>): void {
    app.get("/health/live", async () => ({ status: "ok" }));
    app.get("/health/startup", async (_request, reply) =>
        lifecycle.started ? { status: "ok" } : notReady(reply, "starting"),
    );
    app.get("/health/ready", async (_request, reply) => {
        if (lifecycle.shuttingDown) return notReady(reply, "shutting down");
        if (!lifecycle.started) return notReady(reply, "starting");
        if (!(await db.ping(readinessPingTimeoutMs))) return notReady(reply, "database unreachable");
        const broken = await clientBroken?.();
        if (broken !== undefined) return notReady(reply, `http client unusable: ${broken}`);
        return { status: "ok" };
    });
}
