// The steps of placing an order: check the customer and prices, reserve stock, charge,
// ship, notify. Every call is keyed by the order id, so when a transient failure leaves the
// order pending, a retry runs the same steps again without reserving, charging or shipping
// twice. Returns the final outcome, or throws (order stays pending) on transient failures.
import type { FastifyBaseLogger } from "fastify";
import { DownstreamError, type CallOptions, type Caller, type DownstreamResponse } from "../runtime/downstream";
import { HttpError } from "../runtime/errors";
import type { ServiceContext } from "../runtime/service-module";
import type { ServiceName } from "../runtime/service-names";
import { maxAmount } from "../runtime/validation";
import * as store from "./store";

/** An incoming request, or the sweeper acting for the customer who placed the order. */
export type OrderCaller = Caller & { readonly log: FastifyBaseLogger };

export interface OrderRequest {
    userId: string;
    items: { productId: string; price: number; quantity: number }[];
}

/** Seconds a client is asked to wait before retrying an order that payment could not take. */
const paymentRetryAfterSeconds = 5;

/** The currency orders are charged in; a product priced in another one cannot be ordered. */
export const orderCurrency = "EUR";

const rejection = (status: number, error: string, details: unknown): store.Outcome => ({
    status: "rejected",
    answer: { status, body: { error, details } },
});

export async function runOrder(
    context: ServiceContext,
    request: OrderCaller,
    lease: store.Lease,
    order: OrderRequest,
    leaseMs: number,
): Promise<store.Outcome> {
    const { downstream, db } = context;
    const { orderId } = lease;
    // Every step first renews the lease: a worker that lost the order stops before it acts.
    const call = async <Body>(target: ServiceName, path: string, options?: CallOptions) => {
        await store.renewLease(db.pool, lease, leaseMs);
        return downstream.call<Body>(request, target, path, options);
    };
    const paymentKey = { "idempotency-key": `order-${orderId}` };

    // An earlier attempt recorded the lines and may have charged them: the order goes on at
    // those prices, never re-priced (a retry after a price change must not reject a paid order).
    const recorded = await store.recordedOrder(db.pool, orderId);
    const [user, products] = await Promise.all([
        call<{ address: string | null }>("user", `/api/users/${encodeURIComponent(order.userId)}`),
        recorded
            ? []
            : Promise.all(order.items.map((item) => call<{ product: { price: number; currency: string } }>("product", `/api/products/${encodeURIComponent(item.productId)}`))),
    ]);

    // A rejection of a resumed order may follow an earlier attempt's charge and reservation:
    // give the stock back (refused, 409, once it was consumed: a shipped order is never
    // refunded), then refund the charge or void its key so a charge in flight never succeeds.
    const reject = async (status: number, error: string, details: unknown) => {
        if (recorded) {
            expectStatus("inventory", (await call("inventory", `/api/inventory/reservations/${orderId}`, { method: "DELETE" })).status, 200);
            const body = { orderId, amount: recorded.total, currency: recorded.currency };
            expectStatus("payment", (await call("payment", "/api/payments/refunds", { method: "POST", headers: paymentKey, body })).status, 200);
        }
        return rejection(status, error, details);
    };
    if (user.status === 404) return reject(422, "unknown user", { userId: order.userId });
    expectStatus("user", user.status, 200);
    if (!user.body.address) return reject(422, "user has no shipping address", { userId: order.userId });

    let lines: store.OrderLine[];
    let total: number;
    let currency: string;
    if (recorded) {
        ({ lines, total, currency } = recorded);
    } else {
        lines = [];
        const mismatches = [];
        for (const [index, item] of order.items.entries()) {
            const product = products[index];
            if (product.status === 404) return rejection(422, "unknown product", { productId: item.productId });
            expectStatus("product", product.status, 200);
            const { price, currency: priced } = product.body.product;
            if (priced !== orderCurrency) return rejection(422, `product is priced in ${priced}; orders are charged in ${orderCurrency}`, { productId: item.productId, currency: priced });
            if (price !== item.price) mismatches.push({ productId: item.productId, price, requested: item.price });
            lines.push({ productId: item.productId, quantity: item.quantity, unitPrice: price });
        }
        if (mismatches.length > 0) return rejection(409, "prices changed, review the order", mismatches);
        total = lines.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0);
        currency = orderCurrency;
        if (total > maxAmount) return rejection(422, "order total exceeds what one payment can carry", { total, max: maxAmount });
        await store.recordLines(db.pool, orderId, lines, total, currency);
    }

    const releaseStock = () => call("inventory", `/api/inventory/reservations/${orderId}`, { method: "DELETE" });
    try {
        const reservation = await call("inventory", "/api/inventory/reservations", {
            method: "POST",
            body: { orderId, items: lines.map(({ productId, quantity }) => ({ productId, quantity })) },
        });
        if (reservation.status === 409) return reject(409, "insufficient stock", (reservation.body as { details?: unknown }).details);
        expectStatus("inventory", reservation.status, 201);
    } catch (error) {
        // Nothing is charged on a first attempt, so giving the stock back is safe; a resumed
        // order may have been charged, so its stock stays until the order is settled.
        if (!recorded) await releaseStock().catch(() => {});
        throw error;
    }

    // A decline (402) is payment's final answer; anything else that goes wrong here (a 5xx
    // from payment or from Envoy in front of it, a timeout, no payment running) is an outage:
    // the charge may or may not have happened, so the stock stays reserved and the order
    // pending until a retry with the same key, or the sweeper, finishes it.
    let payment: DownstreamResponse<{ paymentId: string }>;
    try {
        payment = await call<{ paymentId: string }>("payment", "/api/payments", {
            method: "POST",
            headers: paymentKey,
            body: { orderId, amount: total, currency },
        });
    } catch (error) {
        if (!(error instanceof DownstreamError)) throw error;
        throw new HttpError(
            503,
            "payment is unavailable: the order is pending, retry with the same Idempotency-Key",
            { orderId, status: "pending", cause: error.message },
            { "retry-after": String(paymentRetryAfterSeconds), location: `/api/orders/${orderId}` },
        );
    }
    if (payment.status === 402) {
        expectStatus("inventory", (await releaseStock()).status, 200);
        await store.renewLease(db.pool, lease, leaseMs);
        await notify(context, request, "payment_failed", order.userId, orderId);
        return {
            status: "payment_failed",
            answer: { status: 402, body: { error: "payment failed", details: { orderId, status: "payment_failed", total, currency } } },
        };
    }
    expectStatus("payment", payment.status, 201);
    const paymentId = payment.body.paymentId;

    // Paid: the stock is sold before anything ships, and the release route refuses it from now
    // on, so no path that gives up on the order (abandon, a rejected resume) can refund it
    // behind a shipment; those find the stock consumed and complete the order instead.
    expectStatus("inventory", (await call("inventory", `/api/inventory/reservations/${orderId}/consume`, { method: "POST" })).status, 200);
    const shipment = await call<{ trackingId: string }>("shipping", "/api/shipments", {
        method: "POST",
        body: { orderId, address: user.body.address },
    });
    expectStatus("shipping", shipment.status, 201);
    const trackingId = shipment.body.trackingId;

    // Renewed for the last step too, so the lease still holds when the outcome is stored.
    await store.renewLease(db.pool, lease, leaseMs);
    await notify(context, request, "order_confirmed", order.userId, orderId);
    return {
        status: "confirmed",
        paymentId,
        trackingId,
        answer: { status: 201, body: { orderId, status: "confirmed", total, currency, paymentId, trackingId } },
    };
}

/**
 * Gives up on an order the sweeper could not finish in ORDER_SWEEP_MAX_ATTEMPTS sweeps: the
 * stock goes back, then any charge is refunded or its key voided. Throws, leaving the order
 * pending, while either fails. Stock already consumed means the order was paid and shipped:
 * it is completed instead (every step replays), never refunded behind a shipment.
 */
export async function abandonOrder(context: ServiceContext, request: OrderCaller, lease: store.Lease, order: OrderRequest, leaseMs: number): Promise<store.Outcome> {
    const { orderId } = lease;
    const call = async (target: ServiceName, path: string, options?: CallOptions) => {
        await store.renewLease(context.db.pool, lease, leaseMs);
        return context.downstream.call(request, target, path, options);
    };
    const released = await call("inventory", `/api/inventory/reservations/${orderId}`, { method: "DELETE" });
    if (released.status === 409) return runOrder(context, request, lease, order, leaseMs);
    expectStatus("inventory", released.status, 200);
    const recorded = await store.recordedOrder(context.db.pool, orderId);
    // Without recorded lines no charge was ever asked for.
    if (recorded) {
        const body = { orderId, amount: recorded.total, currency: recorded.currency };
        const refund = await call("payment", "/api/payments/refunds", { method: "POST", headers: { "idempotency-key": `order-${orderId}` }, body });
        expectStatus("payment", refund.status, 200);
    }
    return {
        status: "failed",
        answer: { status: 502, body: { error: "the order could not be completed; nothing stays charged", details: { orderId, status: "failed" } } },
    };
}

/** Notifications are best effort: a customer email failing must not undo a paid order. */
async function notify(context: ServiceContext, request: OrderCaller, type: string, userId: string, orderId: string) {
    try {
        const sent = await context.downstream.call(request, "notification", "/api/notifications", {
            method: "POST",
            body: { type, userId, orderId },
        });
        expectStatus("notification", sent.status, 202);
    } catch (error) {
        context.metrics.businessEvents.inc({ event: "notification_skipped", status: type });
        request.log.warn({ err: error, type, orderId }, "notification not sent");
    }
}

/** A 4xx we did not plan for means the services disagree on the API: a bug, reported as 502. */
function expectStatus(target: ServiceName, status: number, expected: number): void {
    if (status !== expected) {
        throw new DownstreamError(target, status, 502, `${target} service gave an unexpected answer`, { status, expected });
    }
}
