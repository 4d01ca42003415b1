// Sends one request to the target and records it under a route name. Every body is read to
// the end, so latency covers the whole answer and connections are reused. A 429 is the edge's
// rate limit answering: it is recorded, then the client waits Retry-After (never past its
// deadline) before its next request, as a real shopper's browser would have to.
import { LoadStats, networkError } from "./stats";

export interface Answer {
    readonly status: number;
    /** Parsed JSON body, or undefined for non-JSON answers and network errors. */
    readonly body: unknown;
}

const requestTimeoutMs = 10_000;

export interface ClientOptions {
    /** The fetch to send with: a shopper's own source address (services/dev/source-address.ts). */
    readonly fetch?: typeof fetch;
    /** performance.now() past which a 429 is not waited out. */
    readonly deadline?: number;
    /** Told of each wait a 429 imposes. */
    readonly onRateLimited?: (waitMs: number) => void;
}

export class EdgeClient {
    constructor(
        private readonly target: string,
        private readonly stats: LoadStats,
        /** Sent with every request, e.g. a shopper's Authorization header. */
        private readonly defaultHeaders: Readonly<Record<string, string>> = {},
        private readonly options: ClientOptions = {},
    ) {}

    /** `route` is the stats key, e.g. "GET /api/products/:id"; `path` the concrete URL path. */
    async send(route: string, path: string, init: { method?: string; json?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
        const headers: Record<string, string> = { accept: "application/json", ...this.defaultHeaders, ...init.headers };
        if (init.json !== undefined) headers["content-type"] = "application/json";
        const started = performance.now();
        try {
            const res = await (this.options.fetch ?? fetch)(this.target + path, {
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
            if (res.status === 429) await this.waitOut(res.headers.get("retry-after"));
            return { status: res.status, body };
        } catch {
            this.stats.record(route, networkError, performance.now() - started);
            return { status: networkError, body: undefined };
        }
    }

    /** Waits the Retry-After seconds (1 s when absent), cut short at the deadline. */
    private async waitOut(retryAfter: string | null): Promise<void> {
        const asked = /^\d+$/.test(retryAfter?.trim() ?? "") ? Number(retryAfter) * 1000 : 1000;
        const waitMs = Math.min(asked, Math.max(0, (this.options.deadline ?? Infinity) - performance.now()));
        if (waitMs <= 0) return;
        this.options.onRateLimited?.(waitMs);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
}

function safeJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}
