// One error shape for every client-facing failure, documented in services/README.md:
// `{ "error": "<one sentence>", "details"?: <anything that helps the caller> }`. Every path
// that answers an error builds its body with errorBody(): routes (HttpError), Fastify's own
// 4xx, framework errors raised before routing, 404, 503 while starting, and the generic 500.
// Anything that is not an expected HttpError is logged with its stack and answered 500.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isConnectionError } from "./database";

export class HttpError extends Error {
    constructor(
        readonly statusCode: number,
        message: string,
        readonly details?: unknown,
        /** Extra response headers, e.g. Retry-After on a 503. */
        readonly headers?: Readonly<Record<string, string>>,
    ) {
        super(message);
    }
}

export interface ErrorBody {
    error: string;
    details?: unknown;
}

/** The one error body every service answers with. */
export function errorBody(error: string, details?: unknown): ErrorBody {
    return details === undefined ? { error } : { error, details };
}

/** The path of a request without its query, cut short so a huge URL is never echoed back. */
export function shownPath(url: string): string {
    const path = url.split("?", 1)[0];
    return path.length > maxShownPath ? `${path.slice(0, maxShownPath)}…` : path;
}
const maxShownPath = 200;

// Fastify's own 4xx (bad JSON, body too large, wrong content type) carry a code and a
// message meant for clients; the message never includes a stack.
function fastifyClientError(error: FastifyError): ErrorBody {
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") return errorBody("request body too large");
    if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return errorBody("unsupported content type, send application/json");
    if (error.code === "FST_ERR_CTP_INVALID_JSON_BODY" || error.code === "FST_ERR_CTP_EMPTY_JSON_BODY") {
        return errorBody("malformed JSON body", error.message);
    }
    return errorBody("bad request", error.message);
}

/**
 * Fastify's `frameworkErrors` hook: errors raised before a route runs (a path parameter over
 * maxParamLength, a URL that does not decode). Fastify's default answer has another shape and
 * echoes the whole URL back.
 */
export function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
    const reason = error.code === "FST_ERR_MAX_PARAM_LENGTH" ? "a path segment is too long" : "the URL is not valid";
    void reply.status(status).send(errorBody(`bad request: ${reason}`, { path: shownPath(request.url) }));
}

export function installErrorHandlers(app: FastifyInstance): void {
    app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
        if (error instanceof HttpError) {
            if (error.statusCode >= 500) request.log.warn({ status: error.statusCode, error: error.message }, "request failed");
            if (error.headers) reply.headers(error.headers);
            return reply.status(error.statusCode).send(errorBody(error.message, error.details));
        }
        const status = error.statusCode ?? 500;
        if (status >= 400 && status < 500) return reply.status(status).send(fastifyClientError(error));
        // A lost database is temporary and the request is safe to send elsewhere: say 503.
        if (isConnectionError(error)) {
            request.log.warn({ err: error }, "database unavailable");
            return reply.status(503).send(errorBody("database unavailable, try again"));
        }
        request.log.error({ err: error }, "unhandled error");
        return reply.status(500).send(errorBody("internal server error"));
    });
    app.setNotFoundHandler((request, reply) =>
        reply.status(404).send(errorBody("not found", { method: request.method, path: shownPath(request.url) })),
    );
}
