// Fingerprint of a validated request body, to tell a genuine retry from a different request
// that reuses an idempotency key. Keys are sorted so field order does not matter.
import { createHash } from "node:crypto";

function canonical(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, canonical(v)]));
    }
    return value;
}

export function requestHash(body: unknown): string {
    return createHash("sha256").update(JSON.stringify(canonical(body))).digest("hex");
}
