// Finishes orders that were left pending (a crash mid-workflow, a timeout, a payment outage)
// and that no client retries, so their stock is not held forever. Every ORDER_SWEEP_INTERVAL_MS
// it claims pending orders older than ORDER_SWEEP_AGE_MS (store.claimStale: once across all
// replicas) and runs them through the same idempotent steps as a retry with the same key.
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { ServiceConfig } from "../runtime/config";
import { subjectHeader } from "../runtime/api-surface";
import type { ServiceContext } from "../runtime/service-module";
import { startServerSpan } from "../runtime/tracing";
import * as store from "./store";
import { runOrder } from "./workflow";

/** Orders claimed per sweep: a backlog drains over several sweeps instead of one long one. */
const batchSize = 20;

/** Long enough for every step to time out once; a crashed attempt frees the order after it. */
export function orderLeaseMs(config: ServiceConfig): number {
    return 10 * config.downstreamTimeoutMs;
}

export function registerSweeper(app: FastifyInstance, context: ServiceContext): void {
    const { intervalMs } = context.config.orderSweep;
    if (intervalMs === 0) return;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> = Promise.resolve();
    let stopped = false;
    const schedule = () => {
        timer = setTimeout(() => {
            running = sweep(context).then(() => {
                if (!stopped) schedule();
            });
        }, intervalMs);
    };
    app.addHook("onReady", async () => schedule());
    // Shutdown waits for the sweep in flight, so no order is left with a fresh lease and nobody on it.
    app.addHook("onClose", async () => {
        stopped = true;
        clearTimeout(timer);
        await running;
    });
}

/** One sweep; never throws (a database that is away now is tried again next time). */
export async function sweep(context: ServiceContext): Promise<void> {
    const { db, logger, metrics, config } = context;
    let claimed: Awaited<ReturnType<typeof store.claimStale>>;
    try {
        claimed = await store.claimStale(db.pool, config.orderSweep.ageMs, orderLeaseMs(config), batchSize);
    } catch (error) {
        logger.warn({ err: error }, "order sweep: could not claim pending orders");
        return;
    }
    for (const { orderId, request } of claimed) {
        const trace = startServerSpan("order sweep", {});
        const log = logger.child({ trace_id: trace.traceId, orderId }) as FastifyBaseLogger;
        try {
            // The customer's identity was checked when the order was placed: the resumed steps act
            // for the order's owner, as the original request did (the user lookup needs it).
            const onBehalf = { [subjectHeader]: request.userId };
            const outcome = await runOrder(context, { trace, headers: onBehalf, log }, orderId, request);
            // A rejection on a resumed order (a price changed since) may follow a reservation of
            // the first attempt: give the stock back before the order is closed.
            if (outcome.status === "rejected") await context.downstream.call({ trace, headers: {} }, "inventory", `/api/inventory/reservations/${orderId}`, { method: "DELETE" });
            await store.finishOrder(db.pool, orderId, outcome);
            metrics.businessEvents.inc({ event: "order_swept", status: outcome.status });
            log.info({ status: outcome.status }, "order sweep: finished a pending order");
        } catch (error) {
            await store.releaseLease(db.pool, orderId).catch(() => {});
            metrics.businessEvents.inc({ event: "order_swept", status: "pending" });
            log.warn({ err: error }, "order sweep: order still pending, next sweep tries again");
        } finally {
            trace.span.end();
        }
    }
}
