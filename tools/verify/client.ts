// Every request verify sends goes through one Budget: a cap on requests and a deadline, so a
// run is bounded however the system behaves. A request over either limit fails the check.

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
    ) {
        this.deadline = Date.now() + timeoutMs;
    }

    get left(): number {
        return this.maxRequests - this.sent;
    }

    async send(path: string, init: { method?: string; headers?: Record<string, string>; body?: string; authenticated?: boolean } = {}): Promise<Answer> {
        if (this.sent >= this.maxRequests) throw new BudgetExhausted(`request budget of ${this.maxRequests} used up`);
        const timeLeft = this.deadline - Date.now();
        if (timeLeft <= 0) throw new BudgetExhausted("time budget used up");
        this.sent++;
        const started = performance.now();
        const response = await fetch(new URL(path, this.target), {
            method: init.method ?? "GET",
            headers: { ...(init.authenticated ? this.auth : {}), ...init.headers },
            body: init.body,
            signal: AbortSignal.timeout(Math.min(this.requestTimeoutMs, timeLeft)),
        });
        const text = await response.text();
        return { status: response.status, headers: response.headers, text, ms: performance.now() - started };
    }
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
