// Builds and runs one service: Fastify with the shared plumbing (tracing, metrics, logging,
// errors, health, shutdown) around the routes of a ServiceModule.
import { SpanStatusCode } from "@opentelemetry/api";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { DestinationStream, Logger } from "pino";
import type { ServiceConfig } from "./config";
import { openDatabase, type Database } from "./database";
import { DownstreamClient } from "./downstream";
import { errorBody, frameworkError, installErrorHandlers } from "./errors";
import { Lifecycle, onceSucceeded, registerHealthRoutes } from "./health";
import { installJsonParser } from "./json-body";
import { createLogger } from "./logger";
import { RequestLogger } from "./request-logger";
import { ServiceMetrics } from "./metrics";
import { ChaosControl, chaosApp, type ChaosDecision } from "./chaos";
import { migrateUntilDone } from "./startup";
import type { ServiceModule } from "./service-module";
import { REQUEST_ID_HEADER, startServerSpan, type RequestTrace } from "./tracing";

declare module "fastify" {
    interface FastifyRequest {
        trace: RequestTrace;
        /** The matched route's template (`/api/products/:id`), the metrics' `route` label. */
        route: string;
    }
}

export interface RunOptions {
    /** Where JSON logs go; stdout when omitted. */
    readonly logDestination?: DestinationStream;
    /**
     * Aborted when a stop is requested before the start is over (SIGTERM while the database
     * is unreachable): the start stops waiting, closes what it opened and rejects.
     */
    readonly signal?: AbortSignal;
    /** The chaos control's draws; Math.random when omitted. */
    readonly random?: () => number;
}

export interface RunningService {
    readonly config: ServiceConfig;
    readonly app: FastifyInstance;
    readonly db: Database;
    readonly metrics: ServiceMetrics;
    readonly logger: Logger;
    /** Base URL the service answers on, e.g. http://127.0.0.1:41234. */
    readonly url: string;
    readonly port: number;
    /** The chaos control's loopback URL, when CHAOS_ENABLED is true. */
    readonly chaosUrl?: string;
    /**
     * Graceful stop: report not ready, keep serving for SHUTDOWN_DELAY_MS, stop accepting,
     * let in-flight requests finish, close the database. Everything is bounded by
     * SHUTDOWN_GRACE_MS; resolves true when every request finished in time.
     */
    close(): Promise<boolean>;
}

// Probes and scrapes answer before migrations finish; business routes wait for them.
const alwaysOpenPaths = /^\/(health\/|metrics$)/;

export async function runService(module: ServiceModule, config: ServiceConfig, options: RunOptions = {}): Promise<RunningService> {
    const logger = createLogger(config, options.logDestination);
    const metrics = new ServiceMetrics(config.service, config.version);
    const db = openDatabase(config.databaseUrl, module.name, logger, config.databasePoolMax, config.databaseStatementTimeoutMs);
    const downstream = new DownstreamClient(config.downstreams, config.downstreamTimeoutMs, metrics);
    const lifecycle = new Lifecycle();
    const chaos = config.chaos.enabled ? new ChaosControl(config.service, config.version, metrics.registry, options.random) : undefined;

    const app = Fastify({
        loggerInstance: logger as FastifyBaseLogger,
        // One log line per request, written in onResponse with the trace id and duration.
        logController: new LogController({ disableRequestLogging: true }),
        // No child logger per request: onRequest puts a RequestLogger, made on first use, in its place.
        childLoggerFactory: (parent) => parent,
        requestIdHeader: REQUEST_ID_HEADER,
        bodyLimit: config.bodyLimitBytes,
        return503OnClosing: true,
        frameworkErrors: frameworkError,
        // Input is checked with zod (validation.ts), so Fastify's JSON-schema compilers (ajv,
        // fast-json-stringify) are never loaded: megabytes of every process's memory.
        schemaController: { compilersFactory: { buildValidator: noSchemaCompiler, buildSerializer: noSchemaCompiler } },
    });
    app.decorateRequest("trace");
    app.decorateRequest("route", "");

    app.addHook("onRequest", (request, reply, done) => {
        // routeOptions builds a new object on every read: read it once.
        request.route = request.routeOptions.url ?? "unmatched";
        request.trace = startServerSpan(`${request.method} ${request.route}`, request.headers);
        request.log = new RequestLogger(logger, () => ({ reqId: request.id, trace_id: request.trace.traceId }));
        if (!lifecycle.started && !alwaysOpenPaths.test(request.url)) {
            return reply.status(503).send(errorBody("service is starting"));
        }
        const injected = chaos?.decide(request.method, request.url);
        if (injected) return applyChaos(injected, request, reply, done);
        done();
    });
    app.addHook("onSend", (_request, reply, payload, done) => {
        reply.header("x-service-version", config.version);
        // While draining, clients are told to reconnect, so keep-alive connections do not
        // hold the shutdown open and new requests reach a replica that stays.
        if (lifecycle.shuttingDown) reply.header("connection", "close");
        done(null, payload);
    });
    app.addHook("onResponse", (request, reply, done) => {
        const labels = { method: request.method, route: request.route, status: String(reply.statusCode) };
        metrics.httpRequests.inc(labels);
        metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
        request.trace.span.setAttribute("http.response.status_code", reply.statusCode);
        if (reply.statusCode >= 500) request.trace.span.setStatus({ code: SpanStatusCode.ERROR });
        request.trace.span.end();
        // Probes and scrapes arrive every few seconds; at info they would drown the traffic.
        const level = alwaysOpenPaths.test(request.url) ? "debug" : "info";
        request.log[level]({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, "request");
        done();
    });

    installErrorHandlers(app);
    installJsonParser(app);
    // Set once listening; readiness asks only after start. Services that call none never load undici.
    let selfUrl = "";
    const callsOthers = Object.keys(config.downstreams).length > 0;
    registerHealthRoutes(app, lifecycle, db, callsOthers ? onceSucceeded(() => downstream.checkClient(selfUrl)) : undefined);
    app.get("/metrics", async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
    module.registerRoutes(app, { config, db, downstream, metrics, logger });

    await app.listen({ port: config.port, host: config.host });
    // Loopback only, whatever HOST says: the sidecar forwards to the pod IP, so nothing in the
    // mesh reaches it; `kubectl port-forward` connects to the pod's 127.0.0.1 (docs/canary.md#chaos).
    const chaosServer = chaos && chaosApp(chaos);
    const chaosUrl = chaosServer ? await chaosServer.listen({ port: config.chaos.port, host: "127.0.0.1" }) : undefined;
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const reachableHost = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
    selfUrl = `http://${reachableHost}:${port}`;

    try {
        await migrateUntilDone(db, module.migrations, logger, options.signal);
    } catch (error) {
        await chaosServer?.close();
        await app.close();
        await db.close();
        throw error;
    }
    lifecycle.started = true;
    logger.info({ port, chaosUrl }, `${config.service} service ready`);

    let closing: Promise<boolean> | undefined;
    const close = () => (closing ??= shutDown(app, db, lifecycle, config, logger).finally(() => Promise.all([downstream.close(), chaosServer?.close()])));
    return { config, app, db, metrics, logger, url: selfUrl, port, chaosUrl, close };
}

async function shutDown(app: FastifyInstance, db: Database, lifecycle: Lifecycle, config: ServiceConfig, logger: Logger): Promise<boolean> {
    lifecycle.shuttingDown = true;
    logger.info({ delayMs: config.shutdownDelayMs, graceMs: config.shutdownGraceMs }, "shutting down: not ready any more");
    await sleep(config.shutdownDelayMs);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), Math.max(0, config.shutdownGraceMs - config.shutdownDelayMs));
    });
    const drained = await Promise.race([app.close().then(() => true as const), deadline]);
    clearTimeout(timer);
    if (!drained) {
        logger.warn("shutdown grace period over: closing connections with requests still in flight");
        app.server.closeAllConnections();
    }
    await db.close();
    logger.info({ drained }, "stopped");
    return drained;
}

/** Waits the injected latency, then fails the request (a status, or a reset connection) or lets it through. */
function applyChaos(decision: ChaosDecision, request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    setTimeout(() => {
        if (decision.answer === undefined) return done();
        if (decision.answer !== "reset") {
            void reply.status(decision.answer).send({ error: "injected failure (chaos)" });
            return;
        }
        // No answer at all: Envoy sees an upstream reset (outlier detection counts it as a 5xx).
        reply.hijack();
        request.trace.span.end();
        request.raw.socket.destroy();
    }, decision.delayMs);
}

function noSchemaCompiler(): () => never {
    return () => {
        throw new Error("routes validate their input with zod (runtime/validation.ts), not with a JSON schema");
    };
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
