// The summary printed when a run ends: one row per route, a total, the status mix and the
// share of product answers served by each version (the canary split as callers saw it).
import type { LoadResult } from "./run";
import { isError, networkError, percentilesMs, type RouteStats } from "./stats";
import { formatTable } from "./table";

const ms = (value: number) => value.toFixed(1);
const percent = (part: number, whole: number) => `${whole ? ((part / whole) * 100).toFixed(1) : "0.0"}%`;

function statusMix(statuses: ReadonlyMap<number, number>): string {
    return [...statuses.entries()]
        .sort(([a], [b]) => a - b)
        .map(([status, count]) => `${status === networkError ? "net-err" : status}×${count}`)
        .join(" ");
}

function row(name: string, stats: Pick<RouteStats, "requests" | "statuses" | "latency">, seconds: number): string[] {
    const errors = [...stats.statuses.entries()].filter(([status]) => isError(status)).reduce((sum, [, n]) => sum + n, 0);
    const { p50, p95, p99 } = percentilesMs(stats.latency);
    return [
        name,
        String(stats.requests),
        (stats.requests / seconds).toFixed(1),
        percent(errors, stats.requests),
        ms(p50),
        ms(p95),
        ms(p99),
        statusMix(stats.statuses),
    ];
}

export function formatSummary({ stats, elapsedSeconds }: LoadResult): string {
    const routes = [...stats.routes.values()].sort((a, b) => b.requests - a.requests);
    const allStatuses = new Map<number, number>();
    for (const route of routes) {
        for (const [status, count] of route.statuses) allStatuses.set(status, (allStatuses.get(status) ?? 0) + count);
    }
    const total = { requests: stats.requests, statuses: allStatuses, latency: stats.overall };
    const table = formatTable(
        ["route", "requests", "req/s", "errors", "p50 ms", "p95 ms", "p99 ms", "statuses"],
        [...routes.map((route) => row(route.route, route, elapsedSeconds)), row("total", total, elapsedSeconds)],
    );
    const productAnswers = [...stats.productVersions.values()].reduce((sum, n) => sum + n, 0);
    const versions = [...stats.productVersions.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([version, count]) => `${version} ${percent(count, productAnswers)} (${count})`)
        .join(", ");
    const limited = allStatuses.get(429) ?? 0;
    return [
        `loadgen summary: ${elapsedSeconds.toFixed(1)} s`,
        table,
        `product versions served: ${versions || "none seen"}`,
        // Each shopper has a client's budget at the edge (its own address on loopback, the machine's elsewhere).
        ...(limited > 0
            ? [`rate limited: ${limited} of ${stats.requests} answers were 429 from the edge's rate limit (rateLimit: a budget per client address; each 429 was waited out for its Retry-After); the rest measure the system behind it`]
            : []),
    ].join("\n");
}
