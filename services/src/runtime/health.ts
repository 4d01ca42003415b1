// Kubernetes probes. Live: the process answers. Startup: migrations have run. Ready: started,
// not shutting down, and the database answers, so the mesh only routes here when a request
// can succeed.
import type { FastifyInstance } from "fastify";
import type { Database } from "./database";

export class Lifecycle {
    started = false;
    shuttingDown = false;
}

const readinessPingTimeoutMs = 1_000;

export function registerHealthRoutes(app: FastifyInstance, lifecycle: Lifecycle, db: Database): void {
    app.get("/health/live", async () => ({ status: "ok" }));
    app.get("/health/startup", async (_request, reply) =>
        lifecycle.started ? { status: "ok" } : reply.status(503).send({ status: "starting" }),
    );
    app.get("/health/ready", async (_request, reply) => {
        if (lifecycle.shuttingDown) return reply.status(503).send({ status: "shutting down" });
        if (!lifecycle.started) return reply.status(503).send({ status: "starting" });
        if (!(await db.ping(readinessPingTimeoutMs))) return reply.status(503).send({ status: "database unreachable" });
        return { status: "ok" };
    });
}
