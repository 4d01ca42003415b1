// Simulated card payments. Each Idempotency-Key charges at most once: the key is unique in
// PostgreSQL, so concurrent retries converge on one row. A simulated decline (503, rate
// PAYMENT_FAILURE_RATE) records nothing, so a retry with the same key may still succeed.
import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { HttpError } from "../runtime/errors";
import { requestHash } from "../runtime/request-hash";
import type { ServiceContext } from "../runtime/service-module";
import { amountSchema, idempotencyKeySchema, idSchema, parseInput } from "../runtime/validation";
import * as queries from "./queries";

const paymentRequest = z.strictObject({
    orderId: idSchema,
    amount: amountSchema,
    currency: z.string().regex(/^[A-Z]{3}$/, { error: "expected an ISO 4217 code such as EUR" }),
});

function sendPayment(reply: FastifyReply, payment: queries.Payment, replayed: boolean) {
    const { requestHash: _hash, ...visible } = payment;
    return reply.status(201).header("idempotent-replayed", String(replayed)).send(visible);
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

        if (Math.random() < config.paymentFailureRate) {
            metrics.businessEvents.inc({ event: "payment_charged", status: "declined" });
            throw new HttpError(503, "payment provider declined the charge, try again", { orderId: body.orderId });
        }
        const charged = await queries.insertIfNew(db.pool, key, { paymentId: randomUUID(), ...body, status: "succeeded", requestHash: hash });
        if (!charged) {
            // Lost a race with a concurrent request carrying the same key: answer with its charge.
            return replay((await queries.findByKey(db.pool, key))!);
        }
        metrics.businessEvents.inc({ event: "payment_charged", status: "ok" });
        return sendPayment(reply, charged, false);
    });
}
