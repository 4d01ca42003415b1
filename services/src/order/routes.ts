// Orders: POST runs the workflow once per customer's Idempotency-Key (required: a key the
// server made up could never be retried, so a lost answer would charge twice), GET shows an
// order with its lines and status.
import type { FastifyInstance } from "fastify";
import * as z from "zod";
import { HttpError } from "../runtime/errors";
import { requireOwner } from "../runtime/identity";
import { requestHash } from "../runtime/request-hash";
import type { ServiceContext } from "../runtime/service-module";
import { amountSchema, idempotencyKeySchema, idSchema, parseInput, quantitySchema } from "../runtime/validation";
import * as store from "./store";
import { orderLeaseMs, registerSweeper } from "./sweeper";
import { runOrder } from "./workflow";

const orderRequest = z.strictObject({
    userId: idSchema,
    items: z.array(z.strictObject({ productId: idSchema, price: amountSchema, quantity: quantitySchema })).min(1).max(50),
});
const orderParams = z.object({ id: idSchema });

export function registerOrderRoutes(app: FastifyInstance, context: ServiceContext): void {
    const { db, metrics } = context;
    const leaseMs = orderLeaseMs(context.config);
    registerSweeper(app, context);

    app.post("/api/orders", async (request, reply) => {
        const order = parseInput(orderRequest, request.body, "request body");
        requireOwner(request, order.userId, "order's account");
        const key = parseInput(idempotencyKeySchema, request.headers["idempotency-key"], "Idempotency-Key header");

        const claim = await store.claimOrder(db.pool, key, requestHash(order), order, leaseMs);
        if (claim.kind === "replay") return reply.status(claim.answer.status).header("idempotent-replayed", "true").send(claim.answer.body);
        // The key is the customer's own (unique per user), so the order id shown here is theirs.
        if (claim.kind === "key_reused") throw new HttpError(422, "Idempotency-Key was already used for a different order", { orderId: claim.orderId });
        if (claim.kind === "busy") throw new HttpError(409, "this order is already being processed, retry later", { orderId: claim.orderId });

        const { lease } = claim;
        let outcome: store.Outcome;
        try {
            outcome = await runOrder(context, request, lease, order, leaseMs);
        } catch (error) {
            await store.releaseLease(db.pool, lease);
            metrics.businessEvents.inc({ event: "order_placed", status: "pending" });
            if (error instanceof store.LeaseLost) throw new HttpError(409, "this order is already being processed, retry later", { orderId: lease.orderId });
            throw error;
        }
        if (!(await store.finishOrder(db.pool, lease, outcome))) {
            throw new HttpError(409, "this order is already being processed, retry later", { orderId: lease.orderId });
        }
        metrics.businessEvents.inc({ event: "order_placed", status: outcome.status });
        return reply.status(outcome.answer.status).send(outcome.answer.body);
    });

    app.get("/api/orders/:id", async (request) => {
        const { id } = parseInput(orderParams, request.params, "path");
        const order = await store.findOrder(db.pool, id);
        if (!order) throw new HttpError(404, "order not found", { id });
        requireOwner(request, order.userId, "order");
        return order;
    });
}
