// The check promote --local makes before its first edit: that npm run dev's router is there.
import { fetchFrom, toolSources } from "../../services/dev/source-address";
import { UsageError } from "../render/args";
import { retryAfterMs } from "../verify/client";

/** 429s waited out before the rate limit's answer alone is taken as the router's: one, so promote waits at most one interval. */
const rateLimitedProbes = 1;

type Probe = { kind: "product" } | { kind: "rateLimited"; waitMs: number } | { kind: "other"; what: string | number };

/**
 * Fails before any change when nothing answers at --local: the edits would steer no router.
 * Any answer from a product version counts (it names itself in x-service-version): a failing
 * canary's 500 is what the gate is there to judge, not a sign that the router is missing.
 * A 429 is the router's rate limit answering, so the router is there: the probe waits
 * Retry-After and says so. It leaves from promote's own loopback address
 * (services/dev/source-address.ts), so other local tools do not use up its budget.
 */
export async function expectDevRouter(url: string, log: (line: string) => void = () => {}, source: string = toolSources.promote): Promise<void> {
    const sourced = await fetchFrom(url, source);
    if (sourced.note) log(sourced.note);
    for (let attempt = 1; ; attempt++) {
        const probe: Probe = await sourced.fetch(`${url}/api/products`, { signal: AbortSignal.timeout(5_000) }).then(
            async (r): Promise<Probe> => {
                await r.arrayBuffer();
                if (r.headers.has("x-service-version")) return { kind: "product" };
                return r.status === 429 ? { kind: "rateLimited", waitMs: retryAfterMs(r.headers.get("retry-after")) } : { kind: "other", what: r.status };
            },
            (e: Error) => ({ kind: "other", what: (e.cause as Error | undefined)?.message ?? e.message }),
        );
        if (probe.kind === "product") return;
        if (probe.kind === "other") throw new UsageError(`--local ${url}: npm run dev's router does not answer GET /api/products (${probe.what}); start npm run dev first`);
        if (attempt > rateLimitedProbes) {
            log(`${url} is the router: its rate limit still answers 429 after waiting; going on`);
            return;
        }
        log(`${url} answered 429 (the router's rate limit for ${sourced.source ?? "this address"}): waiting Retry-After ${Math.ceil(probe.waitMs / 1000)} s`);
        await new Promise((resolve) => setTimeout(resolve, probe.waitMs));
    }
}
