// Istio takes durations as protobuf Duration strings ("500ms", "2s", "1m", "1h30m").
// Parsing them here lets config validation reject typos and lets policies compare
// `attempts × perTryTimeout` against a route timeout.

const unitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, "µs": 0.001, ns: 0.000001 };
const wholePattern = /^(\d+(\.\d+)?(h|ms|m|s|us|µs|ns))+$/;
const partPattern = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;

/**
 * The longest route timeout a stack may set. The services wait this long on one downstream
 * call (DOWNSTREAM_TIMEOUT_MS): a fixed bound at or above every route timeout, so the mesh
 * always gives up first and a timeout edit changes no Deployment (no restart of the callers).
 */
export const maxRouteTimeoutMs = 60_000;

/** Milliseconds in an Istio duration string, or undefined when it is not one (Istio's minimum is 1ms). */
export function parseDuration(text: string): number | undefined {
    if (!wholePattern.test(text)) {
        return undefined;
    }
    let total = 0;
    for (const [, amount, unit] of text.matchAll(partPattern)) {
        total += Number(amount) * unitMs[unit];
    }
    return total >= 1 ? total : undefined;
}

/** Formats milliseconds the way the config would say it, for error messages. */
export function formatDuration(ms: number): string {
    return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
