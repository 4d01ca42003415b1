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

/** The whole catalogue is priced in one currency. */
const currency = "EUR";

const reject = (status: number, error: string, details: unknown): store.Outcome => ({
    status: "rejected",
    answer: { status, body: { error, details } },
});

export async function runOrder(
    context: ServiceContext,
    request: OrderCaller,
    orderId: string,
    order: OrderRequest,
): Promise<store.Outcome> {
    const { downstream, db } = context;
    const call = <Body>(target: ServiceName, path: string, options?: CallOptions) => downstream.call<Body>(request, target, path, options);

    // The customer and the prices are independent look-ups: ask for them at once.
    const [user, products] = await Promise.all([
        call<{ address: string | null }>("user", `/api/users/${encodeURIComponent(order.userId)}`),
        Promise.all(order.items.map((item) => call<{ product: { price: number } }>("product", `/api/products/${encodeURIComponent(item.productId)}`))),
    ]);
    if (user.status === 404) return reject(422, "unknown user", { userId: order.userId });
    expectStatus("user", user.status, 200);
    if (!user.body.address) return reject(422, "user has no shipping address", { userId: order.userId });

    const lines: store.OrderLine[] = [];
    const mismatches = [];
    for (const [index, item] of order.items.entries()) {
        const product = products[index];
        if (product.status === 404) return reject(422, "unknown product", { productId: item.productId });
        expectStatus("product", product.status, 200);
        const price = product.body.product.price;
        if (price !== item.price) mismatches.push({ productId: item.productId, price, requested: item.price });
        lines.push({ productId: item.productId, quantity: item.quantity, unitPrice: price });
    }
    if (mismatches.length > 0) return reject(409, "prices changed, review the order", mismatches);
    const total = lines.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0);
    if (total > maxAmount) return reject(422, "order total exceeds what one payment can carry", { total, max: maxAmount });
    await store.recordLines(db.pool, orderId, lines, total);

    const releaseStock = () => call("inventory", `/api/inventory/reservations/${orderId}`, { method: "DELETE" });
    try {
        const reservation = await call("inventory", "/api/inventory/reservations", {
            method: "POST",
            body: { orderId, items: lines.map(({ productId, quantity }) => ({ productId, quantity })) },
        });
        if (reservation.status === 409) return reject(409, "insufficient stock", (reservation.body as { details?: unknown }).details);
        expectStatus("inventory", reservation.status, 201);
    } catch (error) {
        // Nothing is charged yet, so giving the stock back is always safe.
        await releaseStock().catch(() => {});
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
            headers: { "idempotency-key": `order-${orderId}` },
            body: { orderId, amount: total, currency },
        });
    } catch (error) {
        if (!(error instanceof DownstreamError)) throw error;
        throw new HttpError(
            503,
            "payment is unavailable: the order is pending, retry with the same Idempotency-Key",
            { orderId, status: "pending", cause: error.message },
            { "retry-after": String(paymentRetryAfterSeconds) },
        );
    }
    if (payment.status === 402) {
        expectStatus("inventory", (await releaseStock()).status, 200);
        await notify(context, request, "payment_failed", order.userId, orderId);
        return {
            status: "payment_failed",
            answer: { status: 402, body: { error: "payment failed", details: { orderId, status: "payment_failed", total, currency } } },
        };
    }
    expectStatus("payment", payment.status, 201);
    const paymentId = payment.body.paymentId;

    const shipment = await call<{ trackingId: string }>("shipping", "/api/shipments", {
        method: "POST",
        body: { orderId, address: user.body.address },
    });
    expectStatus("shipping", shipment.status, 201);
    const trackingId = shipment.body.trackingId;

    await notify(context, request, "order_confirmed", order.userId, orderId);
    return {
        status: "confirmed",
        paymentId,
        trackingId,
        answer: { status: 201, body: { orderId, status: "confirmed", total, currency, paymentId, trackingId } },
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
