// Istio durations are protobuf Duration strings ("500ms", "2s", "1m30s"). The pack parses them
// itself so it stays self-contained when published apart from the program.

const unitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, "µs": 0.001, ns: 0.000001 };
const whole = /^(\d+(\.\d+)?(h|ms|m|s|us|µs|ns))+$/;
const part = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;

/** Milliseconds in an Istio duration, or undefined when the text is not one. */
export function durationMs(text: unknown): number | undefined {
    if (typeof text !== "string" || !whole.test(text)) {
        return undefined;
    }
    let total = 0;
    for (const [, amount, unit] of text.matchAll(part)) {
        total += Number(amount) * unitMs[unit];
    }
    return total;
}

export function formatMs(ms: number): string {
    return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
