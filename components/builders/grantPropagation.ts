// How long the program waits for a new AKS RBAC grant to reach the API server, and the polling
// itself, free of any transport so tests drive it with a fake clock.

/**
 * "New role assignments can take up to five minutes to propagate and be updated by the
 * authorization server" (learn.microsoft.com/azure/aks/manage-azure-rbac): wait twice that.
 */
export const grantPropagation = { timeoutMs: 10 * 60_000, intervalMs: 10_000 };

/** One look: allowed, or not yet and why. A probe throws only when asking again cannot help. */
export type Probe = () => Promise<{ allowed: true } | { allowed: false; reason: string }>;

export interface Clock {
    now(): number;
    sleep(ms: number): Promise<void>;
}

export const realClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

export interface WaitOptions {
    /** What is waited for, as the error names it: the role assignment and the cluster. */
    what: string;
    timeoutMs: number;
    intervalMs: number;
    clock: Clock;
}

/** Probes until allowed; after timeoutMs, fails naming what it waited for and the last answer. */
export async function waitUntilAllowed(probe: Probe, { what, timeoutMs, intervalMs, clock }: WaitOptions): Promise<{ attempts: number; waitedMs: number }> {
    const start = clock.now();
    for (let attempts = 1; ; attempts++) {
        const answer = await probe();
        const waitedMs = clock.now() - start;
        if (answer.allowed) {
            return { attempts, waitedMs };
        }
        if (waitedMs + intervalMs > timeoutMs) {
            throw new Error(
                `${what} was not in effect after ${Math.round(waitedMs / 1000)}s (${attempts} check${attempts === 1 ? "" : "s"}; Azure documents up to 5 minutes). ` +
                    `Last answer: ${answer.reason}. Check that the role assignment exists and names the principal running Pulumi, then run pulumi up again.`,
            );
        }
        await clock.sleep(intervalMs);
    }
}
