// The check promote --local makes before its first edit: that npm run dev's router is there.
import { UsageError } from "../render/args";

/**
 * Fails before any change when nothing answers at --local: the edits would steer no router.
 * Any answer from a product version counts (it names itself in x-service-version): a failing
 * canary's 500 is what the gate is there to judge, not a sign that the router is missing.
 */
export async function expectDevRouter(url: string): Promise<void> {
    const answer = await fetch(`${url}/api/products`, { signal: AbortSignal.timeout(5_000) }).then(
        (r) => (r.headers.has("x-service-version") ? "product" : r.status),
        (e: Error) => (e.cause as Error | undefined)?.message ?? e.message,
    );
    if (answer !== "product") throw new UsageError(`--local ${url}: npm run dev's router does not answer GET /api/products (${answer}); start npm run dev first`);
}
