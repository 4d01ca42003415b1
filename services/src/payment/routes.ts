// Simulated card payments. Each Idempotency-Key charges at most once: the key is unique in
// PostgreSQL, so concurrent retries converge on one row. Two simulated failures, told apart
// by status so callers never confuse them: a decline (402, rate PAYMENT_FAILURE_RATE) is
// final and recorded under the key; a provider outage (503 + Retry-After, rate
// PAYMENT_OUTAGE_RATE) records nothing, so a retry with the same key may still succeed.
import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply } from "fastify";
import * as z from "zod";
import { errorBody, HttpError } from "../runtime/errors";
import { requestHash } from "../runtime/request-hash";
import type { ServiceContext } from "../runtime/service-module";
import { amountSchema, idempotencyKeySchema, idSchema, parseInput } from "../runtime/validation";
import * as queries from "./queries";

const paymentRequest = z.strictObject({
    orderId: idSchema,
    amount: amountSchema,
    currency: z.string().regex(/^[A-Z]{3}$/, { error: "expected an ISO 4217 code such as EUR" }),
});

/** Seconds a caller should wait after a simulated outage. */
const outageRetryAfterSeconds = 1;

function sendPayment(reply: FastifyReply, payment: queries.Payment, replayed: boolean) {
    const { requestHash: _hash, ...visible } = payment;
    reply.header("idempotent-replayed", String(replayed));
    if (payment.status === "declined") {
        return reply.status(402).send(errorBody("payment declined", { ...visible, reason: "card_declined" }));
    }
    // The order gave this key up (refunds route): a charge under it never succeeds again.
    if (payment.status === "refunded" || payment.status === "voided") {
        return reply.status(409).send(errorBody(`payment was ${payment.status}`, visible));
    }
    return reply.status(201).send(visible);
}

export function registerPaymentRoutes(app: FastifyInstance, { config, db, metrics }: ServiceContext): void {
    app.post("/api/payments", async (request, reply) => {
        const key = parseInput(idempotencyKeySchema, request.headers["idempotency-key"], "Idempotency-Key header");
        const body = parseInput(paymentRequest, request.body, "request body");
        const hash = requestHash(body);

        const replay = (existing: queries.Payment) => {
            if (existing.requestHash !== hash) {
                throw new HttpError(422, "Idempotency-Key was already used for a different payment", { orderId: existing.orderId });
            }
            return sendPayment(reply, existing, true);
        };

        const existing = await queries.findByKey(db.pool, key);
        if (existing) return replay(existing);

        if (Math.random() < config.paymentOutageRate) {
            metrics.businessEvents.inc({ event: "payment_charged", status: "outage" });
            throw new HttpError(503, "payment provider unavailable, retry later", { orderId: body.orderId }, { "retry-after": String(outageRetryAfterSeconds) });
        }
        const status = Math.random() < config.paymentFailureRate ? "declined" : "succeeded";
        const charged = await queries.insertIfNew(db.pool, key, { paymentId: randomUUID(), ...body, status, requestHash: hash });
        if (!charged) {
            // Lost a race with a concurrent request carrying the same key: answer with its charge.
            return replay((await queries.findByKey(db.pool, key))!);
        }
        metrics.businessEvents.inc({ event: "payment_charged", status: status === "declined" ? "declined" : "ok" });
        return sendPayment(reply, charged, false);
    });

    // Refunds the charge made under the Idempotency-Key (same key and body as the charge), or
    // voids the key when nothing was charged. Idempotent: a repeat answers the same state.
    app.post("/api/payments/refunds", async (request, reply) => {
        const key = parseInput(idempotencyKeySchema, request.headers["idempotency-key"], "Idempotency-Key header");
        const body = parseInput(paymentRequest, request.body, "request body");
        const hash = requestHash(body);
        const existing = await queries.findByKey(db.pool, key);
        if (existing && existing.requestHash !== hash) {
            throw new HttpError(422, "Idempotency-Key was used for a different payment", { orderId: existing.orderId });
        }
        const settled = await queries.refundOrVoid(db.pool, key, { paymentId: randomUUID(), ...body, status: "voided", requestHash: hash });
        if (existing?.status !== settled.status) metrics.businessEvents.inc({ event: "payment_refunded", status: settled.status });
        const { requestHash: _hash, ...visible } = settled;
        return reply.status(200).send(visible);
    });
}
