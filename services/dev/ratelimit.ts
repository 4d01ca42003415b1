// The edge rate limit, as Envoy's local rate limit applies it at the ingress gateway: a token
// bucket per client address and budget (reads: GET, HEAD, OPTIONS; writes: everything else)
// that starts full and is refilled to full every interval. An empty bucket answers 429 with
// Retry-After, the seconds until the next refill.
import type http from "node:http";
import { z } from "zod";
import type { LocalReply, RequestGate } from "./access";
import { DevError } from "./errors";

export interface RateBudget {
    /** Refill period in milliseconds. */
    readonly intervalMs: number;
    /** Requests per interval per client address. */
    readonly read: number;
    readonly write: number;
}

export type BudgetKind = "read" | "write";

const readMethods = new Set(["GET", "HEAD", "OPTIONS"]);
export const budgetKind = (method: string | undefined): BudgetKind => (readMethods.has(method ?? "GET") ? "read" : "write");

interface Bucket {
    tokens: number;
    /** When the bucket was created: it refills at every whole interval after that. */
    readonly epoch: number;
    refills: number;
}

export class EdgeRateLimiter {
    private readonly buckets = new Map<string, Bucket>();

    constructor(
        readonly budget: RateBudget,
        private readonly now: () => number = Date.now,
    ) {}

    /** Takes one token for `client`; resolves the seconds to wait when there is none. */
    take(client: string, kind: BudgetKind): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
        const now = this.now();
        const key = `${kind} ${client}`;
        let bucket = this.buckets.get(key);
        if (!bucket) {
            this.sweep(now);
            bucket = { tokens: this.budget[kind], epoch: now, refills: 0 };
            this.buckets.set(key, bucket);
        }
        const refills = Math.floor((now - bucket.epoch) / this.budget.intervalMs);
        if (refills > bucket.refills) {
            bucket.refills = refills;
            bucket.tokens = this.budget[kind];
        }
        if (bucket.tokens > 0) {
            bucket.tokens -= 1;
            return { allowed: true };
        }
        const nextRefill = bucket.epoch + (bucket.refills + 1) * this.budget.intervalMs;
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((nextRefill - now) / 1000)) };
    }

    /** Forgets buckets that would be full again by now, so idle clients cost no memory. */
    private sweep(now: number): void {
        if (this.buckets.size < 10_000) return;
        for (const [key, bucket] of this.buckets) {
            if (Math.floor((now - bucket.epoch) / this.budget.intervalMs) > bucket.refills) this.buckets.delete(key);
        }
    }
}

/** The client address as the gateway sees it: the TCP peer (a client's X-Forwarded-For is not trusted). */
const clientOf = (req: http.IncomingMessage): string => req.socket.remoteAddress ?? "unknown";

export function rateLimitGate(limiter: EdgeRateLimiter): RequestGate {
    return async (req): Promise<LocalReply | undefined> => {
        const kind = budgetKind(req.method);
        const taken = limiter.take(clientOf(req), kind);
        if (taken.allowed) return undefined;
        const { intervalMs } = limiter.budget;
        return {
            status: 429,
            body: { error: "rate limit exceeded", details: { budget: kind, limit: limiter.budget[kind], intervalSeconds: intervalMs / 1000 } },
            headers: { "retry-after": String(taken.retryAfterSeconds) },
        };
    };
}

const budgetSchema = z.strictObject({
    intervalMs: z.number().int().positive(),
    read: z.number().int().positive(),
    write: z.number().int().positive(),
});

/** The stack's `rateLimit`, passed by tools/dev.ts as JSON in DEV_RATE_LIMIT; "null" when the stack has none. */
export function parseRateBudget(json: string | undefined): RateBudget | undefined {
    if (!json || json === "null") return undefined;
    let raw: unknown;
    try {
        raw = JSON.parse(json);
    } catch {
        throw new DevError(`DEV_RATE_LIMIT is not JSON: ${json}`);
    }
    const parsed = budgetSchema.safeParse(raw);
    if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "value"}: ${issue.message}`);
        throw new DevError(`DEV_RATE_LIMIT (the stack's rateLimit) ${json} is not a valid budget: ${problems.join("; ")}`);
    }
    return parsed.data;
}
