// One benchmark case: autocannon against one URL for a fixed time. autocannon fits here
// (unlike in the load generator) because each case repeats one request shape and only
// needs aggregate throughput and latency.
import { randomUUID } from "node:crypto";
import autocannon from "autocannon";

export interface BenchCase {
    readonly name: string;
    /** Full URL including the path. */
    readonly url: string;
    readonly method: "GET" | "POST";
    readonly body?: string;
    /** Sent with every request, e.g. the customer's Authorization header. */
    readonly headers?: Readonly<Record<string, string>>;
    /** Give every request its own Idempotency-Key, so each POST is a new order, not a replay. */
    readonly uniqueIdempotencyKey?: boolean;
}

export interface Measurement {
    readonly name: string;
    readonly requestsPerSecond: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly requests: number;
    readonly non2xx: number;
    /** Connection errors and timeouts. */
    readonly errors: number;
}

export async function measure(bench: BenchCase, durationSeconds: number, connections: number): Promise<Measurement> {
    const headers: Record<string, string> = { ...(bench.body ? { "content-type": "application/json" } : {}), ...bench.headers };
    const result = await autocannon({
        url: bench.url,
        method: bench.method,
        body: bench.body,
        headers,
        connections,
        duration: durationSeconds,
        requests: bench.uniqueIdempotencyKey
            ? [{ setupRequest: (request) => ({ ...request, headers: { ...request.headers, "idempotency-key": randomUUID() } }) }]
            : undefined,
    });
    return {
        name: bench.name,
        requestsPerSecond: result.requests.total / result.duration,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        requests: result.requests.total,
        non2xx: result.non2xx,
        errors: result.errors,
    };
}
