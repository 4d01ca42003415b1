// Drives the load: a fixed pool of virtual users, each running one action after another
// until the deadline. Chosen over autocannon because every request here differs (route,
// body, ids taken from earlier answers) and the report needs per-route statuses and
// latencies plus the product version of each answer, which autocannon only gives in
// aggregate. The pool size bounds concurrency; the deadline bounds time.
import { randomUUID } from "node:crypto";
import { fetchFrom, shopperSource } from "../dev/source-address";
import type { LoadOptions } from "./args";
import { EdgeClient, type ClientOptions } from "./client";
import { chooseAction, loadCatalogue, registerShopper } from "./scenario";
import { LoadStats, percentilesMs } from "./stats";

export interface LoadResult {
    readonly stats: LoadStats;
    readonly elapsedSeconds: number;
}

export interface RunHooks {
    /** Called with a one-line status every `progressEveryMs`. */
    readonly progress?: (line: string) => void;
    readonly progressEveryMs?: number;
    readonly random?: () => number;
    /** Signs a shopper's token (the development issuer's `mint`); customer routes need one. */
    readonly mintToken?: (subject: string) => Promise<string>;
    /** Where each shopper's requests leave from; default: its own loopback address (services/dev/source-address.ts). */
    readonly shopperFetch?: (index: number) => Promise<{ fetch: typeof fetch; note?: string }>;
}

function progressLine(stats: LoadStats, elapsedSeconds: number, rateLimitWaits: number): string {
    const rps = stats.requests / Math.max(elapsedSeconds, 0.001);
    const errorRate = stats.requests ? (stats.errors / stats.requests) * 100 : 0;
    const { p50, p99 } = percentilesMs(stats.overall);
    return `loadgen: ${elapsedSeconds.toFixed(0)}s ${stats.requests} requests, ${rps.toFixed(0)} req/s, ` +
        `${errorRate.toFixed(1)}% errors, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms` +
        (rateLimitWaits ? `, ${rateLimitWaits} waits on the edge's rate limit (429, Retry-After)` : "");
}

export async function runLoad(options: LoadOptions, hooks: RunHooks = {}): Promise<LoadResult> {
    const random = hooks.random ?? Math.random;
    const stats = new LoadStats();
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    const deadline = started + options.durationSeconds * 1000;
    let rateLimitWaits = 0;
    const shopperFetch = hooks.shopperFetch ?? ((index: number) => fetchFrom(options.target, shopperSource(index)));
    const clientOptions = async (index: number): Promise<ClientOptions> => {
        const sourced = await shopperFetch(index);
        if (sourced.note && index === 0) hooks.progress?.(`loadgen: ${sourced.note}`);
        return { fetch: sourced.fetch, deadline, onRateLimited: () => rateLimitWaits++ };
    };
    const ticker = setInterval(() => hooks.progress?.(progressLine(stats, elapsed(), rateLimitWaits)), hooks.progressEveryMs ?? 5_000);
    try {
        const catalogue = await loadCatalogue(new EdgeClient(options.target, stats, {}, await clientOptions(0)), deadline);
        const soldOut = new Set<string>();
        const shopper = async (index: number) => {
            // Each shopper signs in as a new customer, then creates that customer's profile.
            const userId = `shopper-${randomUUID()}`;
            const token = hooks.mintToken ? await hooks.mintToken(userId) : undefined;
            const own = new EdgeClient(options.target, stats, token ? { authorization: `Bearer ${token}` } : {}, await clientOptions(index));
            await registerShopper(own, userId, index);
            while (performance.now() < deadline) {
                await chooseAction(random()).run({ client: own, userId, catalogue, random, soldOut });
            }
        };
        await Promise.all(Array.from({ length: options.users }, (_, index) => shopper(index)));
    } finally {
        clearInterval(ticker);
    }
    return { stats, elapsedSeconds: elapsed() };
}
