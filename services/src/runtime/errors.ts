// One error shape for every client-facing failure: `{ error, details? }`. Anything that is
// not an expected HttpError is logged with its stack and answered with a generic 500.
import type { FastifyError, FastifyInstance } from "fastify";
import { isConnectionError } from "./database";

export class HttpError extends Error {
    constructor(
        readonly statusCode: number,
        message: string,
        readonly details?: unknown,
    ) {
        super(message);
    }
}

interface ErrorBody {
    error: string;
    details?: unknown;
}

// Fastify's own 4xx (bad JSON, body too large, wrong content type) carry a code and a
// message meant for clients; the message never includes a stack.
function fastifyClientError(error: FastifyError): ErrorBody {
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") return { error: "request body too large" };
    if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return { error: "unsupported content type, send application/json" };
    if (error.code === "FST_ERR_CTP_INVALID_JSON_BODY" || error.code === "FST_ERR_CTP_EMPTY_JSON_BODY") {
        return { error: "malformed JSON body", details: error.message };
    }
    return { error: "bad request", details: error.message };
}

export function installErrorHandlers(app: FastifyInstance): void {
    app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
        if (error instanceof HttpError) {
            const body: ErrorBody = { error: error.message };
            if (error.details !== undefined) body.details = error.details;
            if (error.statusCode >= 500) request.log.warn({ status: error.statusCode, error: error.message }, "request failed");
            return reply.status(error.statusCode).send(body);
        }
        const status = error.statusCode ?? 500;
        if (status >= 400 && status < 500) return reply.status(status).send(fastifyClientError(error));
        // A lost database is temporary and the request is safe to send elsewhere: say 503.
        if (isConnectionError(error)) {
            request.log.warn({ err: error }, "database unavailable");
            return reply.status(503).send({ error: "database unavailable, try again" });
        }
        request.log.error({ err: error }, "unhandled error");
        return reply.status(500).send({ error: "internal server error" });
    });
    app.setNotFoundHandler((request, reply) =>
        reply.status(404).send({ error: "not found", details: { method: request.method, path: request.url.split("?")[0] } }),
    );
}
