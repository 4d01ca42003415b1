// Kubernetes probes. Live: the process answers. Startup: migrations have run. Ready: started,
// not shutting down, and the database answers, so the mesh only routes here when a request
// can succeed.
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

export function registerHealthRoutes(app: FastifyInstance, lifecycle: Lifecycle, db: Database): void {
    app.get("/health/live", async () => ({ status: "ok" }));
    app.get("/health/startup", async (_request, reply) =>
        lifecycle.started ? { status: "ok" } : notReady(reply, "starting"),
    );
    app.get("/health/ready", async (_request, reply) => {
        if (lifecycle.shuttingDown) return notReady(reply, "shutting down");
        if (!lifecycle.started) return notReady(reply, "starting");
        if (!(await db.ping(readinessPingTimeoutMs))) return notReady(reply, "database unreachable");
        return { status: "ok" };
    });
}
