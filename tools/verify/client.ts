// Every request verify sends goes through one Budget: a cap on requests and a deadline, so a
// run is bounded however the system behaves. A request over either limit fails the check.
// The edge's rate limit (429 with Retry-After) is waited out and the request sent again, as a
// well-behaved client does: verify checks the system behind the limit, not the limit itself.

export interface Answer {
    readonly status: number;
    readonly headers: Headers;
    readonly text: string;
    /** Time to the full answer, in ms. */
    readonly ms: number;
}

export class BudgetExhausted extends Error {}

export class Budget {
    sent = 0;
    readonly deadline: number;

    constructor(
        readonly target: string,
        readonly maxRequests: number,
        timeoutMs: number,
        /** Sent only where a route asks for it (customer routes). */
        private readonly auth: Record<string, string>,
        /** Per-request limit; a fault delay of a few seconds must fit. */
        private readonly requestTimeoutMs = 15_000,
        /** Told each time the edge's rate limit makes a request wait. */
        private readonly onRateLimited: (waitMs: number) => void = () => {},
        /** verify's own loopback source address against npm run dev (services/dev/source-address.ts). */
        private readonly sendWith: typeof fetch = fetch,
    ) {
        this.deadline = Date.now() + timeoutMs;
    }

    get left(): number {
        return this.maxRequests - this.sent;
    }

    async send(path: string, init: { method?: string; headers?: Record<string, string>; body?: string; authenticated?: boolean } = {}): Promise<Answer> {
        for (;;) {
            const answer = await this.sendOnce(path, init);
            const waitMs = answer.status === 429 ? retryAfterMs(answer.headers.get("retry-after")) : undefined;
            // Past the deadline or the request cap the 429 stands, and the check shows it.
            if (waitMs === undefined || Date.now() + waitMs >= this.deadline || this.sent >= this.maxRequests) return answer;
            this.onRateLimited(waitMs);
            await new Promise((resolve) => setTimeout(resolve, waitMs));
        }
    }

    private async sendOnce(path: string, init: { method?: string; headers?: Record<string, string>; body?: string; authenticated?: boolean }): Promise<Answer> {
        if (this.sent >= this.maxRequests) throw new BudgetExhausted(`request budget of ${this.maxRequests} used up`);
        const timeLeft = this.deadline - Date.now();
        if (timeLeft <= 0) throw new BudgetExhausted("time budget used up");
        this.sent++;
        const started = performance.now();
        const response = await this.sendWith(new URL(path, this.target), {
            method: init.method ?? "GET",
            headers: { ...(init.authenticated ? this.auth : {}), ...init.headers },
            body: init.body,
            signal: AbortSignal.timeout(Math.min(this.requestTimeoutMs, timeLeft)),
        });
        const text = await response.text();
        return { status: response.status, headers: response.headers, text, ms: performance.now() - started };
    }
}

/** Retry-After in ms: delay-seconds or an HTTP date (RFC 9110); 1 s when absent or unreadable. */
export function retryAfterMs(value: string | null): number {
    if (value !== null && /^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
    const date = value === null ? NaN : Date.parse(value);
    return Number.isNaN(date) ? 1000 : Math.max(0, date - Date.now());
}

/** Runs `count` calls of `task`, at most `concurrency` at a time, in order of their index. */
export async function inParallel<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
    const results: T[] = new Array(count);
    let next = 0;
    const worker = async () => {
        while (next < count) {
            const i = next++;
            results[i] = await task(i);
        }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
    return results;
}
