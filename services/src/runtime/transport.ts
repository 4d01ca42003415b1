// HTTP/1.1 to other services: one undici Pool per target origin keeps connections alive
// (to the sidecar in the mesh), and one DeadlineQueue bounds every call, instead of fetch's
// WHATWG streams and an AbortSignal.timeout per call.
import type { Pool } from "undici";
import { DeadlineQueue } from "./deadlines";

// Loaded on the first call: undici (and its WebAssembly HTTP parser) costs every process
// megabytes of memory, and most services never call another.
let undici: typeof import("undici") | undefined;
const loadUndici = () => (undici ??= require("undici") as typeof import("undici"));

export interface TransportRequest {
    readonly method: "GET" | "POST" | "DELETE";
    readonly path: string;
    readonly headers: Record<string, string>;
    readonly body?: string;
}

export interface TransportResponse {
    readonly status: number;
    readonly text: string;
}

/** The call ran past the deadline and was aborted. */
export class DeadlineExceeded extends Error {}

interface Target {
    readonly pool: Pool;
    /** Path of the base URL, prepended to every request path ("" for an origin). */
    readonly prefix: string;
}

export class HttpTransport {
    private readonly targets = new Map<string, Target>();
    private readonly deadlines: DeadlineQueue;

    constructor(readonly timeoutMs: number) {
        this.deadlines = new DeadlineQueue(timeoutMs);
    }

    async send(baseUrl: string, request: TransportRequest): Promise<TransportResponse> {
        const target = this.target(baseUrl);
        const controller = new AbortController();
        let timedOut = false;
        const deadline = this.deadlines.start(() => {
            timedOut = true;
            controller.abort();
        });
        try {
            const response = await target.pool.request({
                method: request.method,
                path: target.prefix + request.path,
                headers: request.headers,
                body: request.body,
                signal: controller.signal,
            });
            return { status: response.statusCode, text: await response.body.text() };
        } catch (error) {
            if (timedOut) throw new DeadlineExceeded(`no answer within ${this.timeoutMs}ms`, { cause: error });
            throw error;
        } finally {
            deadline.cancel();
        }
    }

    /** Closes every kept-alive connection (on shutdown). */
    async close(): Promise<void> {
        await Promise.all([...this.targets.values()].map((t) => t.pool.close()));
        this.targets.clear();
    }

    private target(baseUrl: string): Target {
        let target = this.targets.get(baseUrl);
        if (!target) {
            const url = new URL(baseUrl);
            target = {
                // The call's own deadline bounds it; undici's per-phase timeouts would only cut it shorter.
                pool: new (loadUndici().Pool)(url.origin, { connections: 128, headersTimeout: 0, bodyTimeout: 0 }),
                prefix: url.pathname.replace(/\/+$/, ""),
            };
            this.targets.set(baseUrl, target);
        }
        return target;
    }
}
