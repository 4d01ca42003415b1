// Sends one request to the target and records it under a route name. Every body is read to
// the end, so latency covers the whole answer and connections are reused.
import { LoadStats, networkError } from "./stats";

export interface Answer {
    readonly status: number;
    /** Parsed JSON body, or undefined for non-JSON answers and network errors. */
    readonly body: unknown;
}

const requestTimeoutMs = 10_000;

export class EdgeClient {
    constructor(
        private readonly target: string,
        private readonly stats: LoadStats,
        /** Sent with every request, e.g. a shopper's Authorization header. */
        private readonly defaultHeaders: Readonly<Record<string, string>> = {},
    ) {}

    /** `route` is the stats key, e.g. "GET /api/products/:id"; `path` the concrete URL path. */
    async send(route: string, path: string, init: { method?: string; json?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
        const headers: Record<string, string> = { accept: "application/json", ...this.defaultHeaders, ...init.headers };
        if (init.json !== undefined) headers["content-type"] = "application/json";
        const started = performance.now();
        try {
            const res = await fetch(this.target + path, {
                method: init.method ?? "GET",
                headers,
                body: init.json === undefined ? undefined : JSON.stringify(init.json),
                signal: AbortSignal.timeout(requestTimeoutMs),
            });
            const text = await res.text();
            this.stats.record(route, res.status, performance.now() - started);
            const body = res.headers.get("content-type")?.includes("json") ? safeJson(text) : undefined;
            if (path.startsWith("/api/products") && res.ok) {
                const version = res.headers.get("x-service-version") ?? (body as { version?: string } | undefined)?.version;
                if (version) this.stats.recordProductVersion(version);
            }
            return { status: res.status, body };
        } catch {
            this.stats.record(route, networkError, performance.now() - started);
            return { status: networkError, body: undefined };
        }
    }
}

function safeJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}
