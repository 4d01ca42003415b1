// Per-route counters and latency histograms. Node's perf_hooks histogram is an HDR
// histogram, so percentiles stay accurate to ~1% without keeping every sample.
import { createHistogram, type RecordableHistogram } from "node:perf_hooks";

/** Status of a request that got no HTTP answer (refused, reset, timed out). */
export const networkError = 0;

export interface RouteStats {
    readonly route: string;
    requests: number;
    /** Count per HTTP status; `networkError` (0) for requests without an answer. */
    readonly statuses: Map<number, number>;
    /** Latency in microseconds. */
    readonly latency: RecordableHistogram;
}

export interface Percentiles {
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
}

export function isError(status: number): boolean {
    return status === networkError || status >= 400;
}

export class LoadStats {
    readonly routes = new Map<string, RouteStats>();
    /** Product responses per version, from `x-service-version` or the body's `version`. */
    readonly productVersions = new Map<string, number>();
    readonly overall: RecordableHistogram = createHistogram();
    requests = 0;
    errors = 0;

    record(route: string, status: number, latencyMs: number): void {
        let stats = this.routes.get(route);
        if (!stats) {
            stats = { route, requests: 0, statuses: new Map(), latency: createHistogram() };
            this.routes.set(route, stats);
        }
        // The histogram takes positive integers: microseconds keep sub-millisecond detail.
        const micros = Math.max(1, Math.round(latencyMs * 1000));
        stats.requests++;
        stats.statuses.set(status, (stats.statuses.get(status) ?? 0) + 1);
        stats.latency.record(micros);
        this.overall.record(micros);
        this.requests++;
        if (isError(status)) this.errors++;
    }

    recordProductVersion(version: string): void {
        this.productVersions.set(version, (this.productVersions.get(version) ?? 0) + 1);
    }
}

/** p50/p95/p99 in milliseconds. */
export function percentilesMs(histogram: RecordableHistogram): Percentiles {
    if (histogram.count === 0) return { p50: 0, p95: 0, p99: 0 };
    const at = (p: number) => histogram.percentile(p) / 1000;
    return { p50: at(50), p95: at(95), p99: at(99) };
}
