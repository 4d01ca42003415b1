// Calls to other services. Forwards trace context and Istio's request id, enforces a
// timeout, counts outcomes, and turns transport failures and 5xx answers into clear
// errors. It never retries: retries belong to the mesh, which knows which calls are safe.
import { SpanStatusCode } from "@opentelemetry/api";
import type { FastifyRequest } from "fastify";
import { HttpError } from "./errors";
import type { ServiceMetrics } from "./metrics";
import { subjectHeader } from "./api-surface";
import type { ServiceName } from "./service-names";
import { REQUEST_ID_HEADER, startClientSpan } from "./tracing";
import { DeadlineExceeded, HttpTransport } from "./transport";

export interface DownstreamResponse<Body = unknown> {
    readonly status: number;
    readonly body: Body;
}

/** Whom a call is made for: an incoming request, or a background job with its own trace. */
export type Caller = Pick<FastifyRequest, "trace" | "headers">;

export interface CallOptions {
    readonly method?: "GET" | "POST" | "DELETE";
    readonly body?: unknown;
    readonly headers?: Readonly<Record<string, string>>;
}

/** A downstream answered 5xx, timed out or was unreachable: a transient failure, never a final answer. */
export class DownstreamError extends HttpError {
    constructor(
        readonly target: ServiceName,
        readonly upstreamStatus: number | undefined,
        statusCode: number,
        message: string,
        details?: unknown,
    ) {
        super(statusCode, message, details);
    }
}

export class DownstreamClient {
    private readonly transport: HttpTransport;

    constructor(
        private readonly baseUrls: Readonly<Partial<Record<ServiceName, string>>>,
        private readonly timeoutMs: number,
        private readonly metrics: ServiceMetrics,
    ) {
        this.transport = new HttpTransport(timeoutMs);
    }

    /**
     * Sends one GET /health/live to this service's own `selfUrl` through the same HTTP client
     * the calls use, which loads undici and its parser: on a Node it does not support (undici
     * 8 needs >= 22.19.0) this throws, so readiness can say so before any call fails. Loopback:
     * Istio's sidecar does not capture app traffic to 127.0.0.1 (istio-iptables ISTIO_OUTPUT RETURN).
     */
    async checkClient(selfUrl: string): Promise<void> {
        const answer = await this.transport.send(selfUrl, { method: "GET", path: "/health/live", headers: { accept: "application/json" } });
        if (answer.status !== 200) throw new Error(`GET /health/live through it answered ${answer.status}`);
    }

    /** Closes the kept-alive connections. */
    close(): Promise<void> {
        return this.transport.close();
    }

    /**
     * Calls `target` on behalf of `incoming`. Answers below 500 are returned for the caller
     * to interpret (404, 409, ...); anything else throws a DownstreamError (502 or 504).
     */
    async call<Body = unknown>(
        incoming: Caller,
        target: ServiceName,
        path: string,
        options: CallOptions = {},
    ): Promise<DownstreamResponse<Body>> {
        const baseUrl = this.baseUrls[target];
        if (!baseUrl) throw new Error(`no base URL configured for ${target}`);
        const method = options.method ?? "GET";
        const { span, headers: traceHeaders } = startClientSpan(`${method} ${target}`, incoming.trace.context);
        const headers: Record<string, string> = { accept: "application/json", ...traceHeaders, ...options.headers };
        const requestId = incoming.headers[REQUEST_ID_HEADER];
        if (typeof requestId === "string") headers[REQUEST_ID_HEADER] = requestId;
        // Calls made on a customer's behalf carry the verified subject on (see api-surface.ts).
        const subject = incoming.headers[subjectHeader];
        if (typeof subject === "string") headers[subjectHeader] = subject;
        if (options.body !== undefined) headers["content-type"] = "application/json";
        try {
            const response = await this.transport.send(baseUrl, {
                method,
                path,
                headers,
                body: options.body === undefined ? undefined : JSON.stringify(options.body),
            });
            const text = response.text;
            this.metrics.downstreamRequests.inc({ target, status: String(response.status) });
            span.setAttribute("http.response.status_code", response.status);
            if (response.status >= 500) {
                span.setStatus({ code: SpanStatusCode.ERROR });
                throw new DownstreamError(target, response.status, 502, `${target} service failed`, {
                    status: response.status,
                    body: parseJson(text),
                });
            }
            return { status: response.status, body: parseJson(text) as Body };
        } catch (error) {
            if (error instanceof DownstreamError) throw error;
            span.setStatus({ code: SpanStatusCode.ERROR });
            const timedOut = error instanceof DeadlineExceeded;
            this.metrics.downstreamRequests.inc({ target, status: timedOut ? "timeout" : "unreachable" });
            if (timedOut) {
                throw new DownstreamError(target, undefined, 504, `${target} service timed out after ${this.timeoutMs}ms`);
            }
            throw new DownstreamError(target, undefined, 502, `${target} service unreachable`, { reason: causeOf(error) });
        } finally {
            span.end();
        }
    }
}

function parseJson(text: string): unknown {
    if (text === "") return undefined;
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

function causeOf(error: unknown): string {
    const { code, cause } = error as { code?: string; cause?: { code?: string; message?: string } };
    return cause?.code ?? cause?.message ?? (error instanceof Error ? (code ?? error.message) : String(error));
}
