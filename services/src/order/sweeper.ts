// Finishes orders that were left pending (a crash mid-workflow, a timeout, a payment outage)
// and that no client retries, so their stock is not held forever. Every ORDER_SWEEP_INTERVAL_MS
// it claims pending orders older than ORDER_SWEEP_AGE_MS one at a time (store.claimStale: once
// across all replicas, each under its own lease token) and runs them through the same
// idempotent steps as a retry with the same key. After ORDER_SWEEP_MAX_ATTEMPTS sweeps that
// left an order pending, it is abandoned (workflow.abandonOrder) and marked failed.
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { ServiceConfig } from "../runtime/config";
import { subjectHeader } from "../runtime/api-surface";
import type { ServiceContext } from "../runtime/service-module";
import { startServerSpan } from "../runtime/tracing";
import * as store from "./store";
import { abandonOrder, runOrder } from "./workflow";

/** Orders worked per sweep: a backlog drains over several sweeps instead of one long one. */
const batchSize = 20;

/**
 * The lease is renewed before every step (one downstream call, at most DOWNSTREAM_TIMEOUT_MS),
 * so twice that covers a step and its database writes; an order whose worker died is free
 * again after it, not after the whole workflow's worth of timeouts.
 */
export function orderLeaseMs(config: ServiceConfig): number {
    return 2 * config.downstreamTimeoutMs;
}

export function registerSweeper(app: FastifyInstance, context: ServiceContext): void {
    const { intervalMs } = context.config.orderSweep;
    if (intervalMs === 0) return;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> = Promise.resolve();
    let stopped = false;
    const schedule = () => {
        timer = setTimeout(() => {
            running = sweep(context, () => stopped).then(() => {
                if (!stopped) schedule();
            });
        }, intervalMs);
    };
    app.addHook("onReady", async () => schedule());
    // Shutdown waits for the order in flight (the sweep stops before the next one), so no order
    // is left with a fresh lease and nobody on it.
    app.addHook("onClose", async () => {
        stopped = true;
        clearTimeout(timer);
        await running;
    });
}

/** One sweep; never throws (a database that is away now is tried again next time). */
export async function sweep(context: ServiceContext, stopping: () => boolean = () => false): Promise<void> {
    const { db, logger, metrics, config } = context;
    const leaseMs = orderLeaseMs(config);
    // Each order at most once per sweep, so one that fails again waits for the next sweep.
    const tried: string[] = [];
    while (tried.length < batchSize && !stopping()) {
        let claimed: Awaited<ReturnType<typeof store.claimStale>>;
        try {
            claimed = await store.claimStale(db.pool, config.orderSweep.ageMs, leaseMs, tried);
        } catch (error) {
            logger.warn({ err: error }, "order sweep: could not claim pending orders");
            return;
        }
        if (!claimed) return;
        const { lease, request, attempts } = claimed;
        tried.push(lease.orderId);
        const trace = startServerSpan("order sweep", {});
        const log = logger.child({ trace_id: trace.traceId, orderId: lease.orderId }) as FastifyBaseLogger;
        try {
            // The customer's identity was checked when the order was placed: the resumed steps act
            // for the order's owner, as the original request did (the user lookup needs it).
            const caller = { trace, headers: { [subjectHeader]: request.userId }, log };
            const outcome =
                attempts >= config.orderSweep.maxAttempts
                    ? await abandonOrder(context, caller, lease, request, leaseMs)
                    : await runOrder(context, caller, lease, request, leaseMs);
            if (!(await store.finishOrder(db.pool, lease, outcome))) throw new store.LeaseLost(lease.orderId);
            metrics.businessEvents.inc({ event: "order_swept", status: outcome.status });
            if (outcome.status === "failed") log.error({ attempts }, "order sweep: gave up on an order, its stock released and any charge refunded");
            else log.info({ status: outcome.status }, "order sweep: finished a pending order");
        } catch (error) {
            await store.releaseLease(db.pool, lease, true).catch(() => {});
            metrics.businessEvents.inc({ event: "order_swept", status: "pending" });
            log.warn({ err: error, attempts: attempts + 1 }, "order sweep: order still pending, next sweep tries again");
        } finally {
            trace.span.end();
        }
    }
}
