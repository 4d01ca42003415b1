// Stock levels and all-or-nothing reservations per order. Reserving twice for the same
// order returns the first reservation, and releasing is idempotent, so the order service
// can replay its steps safely.
import type { FastifyInstance } from "fastify";
import * as z from "zod";
import { HttpError } from "../runtime/errors";
import type { ServiceContext } from "../runtime/service-module";
import { idSchema, parseInput, quantitySchema } from "../runtime/validation";
import * as queries from "./queries";

const productParams = z.object({ productId: idSchema });
const orderParams = z.object({ orderId: idSchema });
const reservationRequest = z.strictObject({
    orderId: idSchema,
    items: z.array(z.strictObject({ productId: idSchema, quantity: quantitySchema })).min(1).max(100),
});

/** One line per product, in a fixed order so concurrent reservations lock rows alike and never deadlock. */
function mergeItems(items: readonly queries.ReservationItem[]): queries.ReservationItem[] {
    const totals = new Map<string, number>();
    for (const item of items) totals.set(item.productId, (totals.get(item.productId) ?? 0) + item.quantity);
    return [...totals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([productId, quantity]) => ({ productId, quantity }));
}

export function registerInventoryRoutes(app: FastifyInstance, { db, metrics }: ServiceContext): void {
    app.get("/api/inventory/:productId", async (request) => {
        const { productId } = parseInput(productParams, request.params, "path");
        const available = await queries.availableStock(db.pool, productId);
        if (available === undefined) throw new HttpError(404, "product not stocked", { productId });
        return { productId, available };
    });

    app.post("/api/inventory/reservations", async (request, reply) => {
        const { orderId, items } = parseInput(reservationRequest, request.body, "request body");
        const reservation = await db.transaction(async (client) => {
            if (!(await queries.claimReservation(client, orderId))) {
                return { orderId, items: await queries.reservationItems(client, orderId), replayed: true };
            }
            const wanted = mergeItems(items);
            for (const item of wanted) {
                if (!(await queries.takeStock(client, orderId, item))) {
                    const available = (await queries.availableStock(client, item.productId)) ?? 0;
                    throw new HttpError(409, "insufficient stock", { productId: item.productId, requested: item.quantity, available });
                }
            }
            return { orderId, items: wanted, replayed: false };
        }).catch((error: unknown) => {
            if (error instanceof HttpError) metrics.businessEvents.inc({ event: "stock_reserved", status: "insufficient" });
            throw error;
        });
        if (!reservation.replayed) metrics.businessEvents.inc({ event: "stock_reserved", status: "ok" });
        return reply.status(201).send(reservation);
    });

    app.delete("/api/inventory/reservations/:orderId", async (request, reply) => {
        const { orderId } = parseInput(orderParams, request.params, "path");
        const outcome = await db.transaction((client) => queries.releaseReservation(client, orderId));
        // A paid order's stock is sold: giving it back would sell it twice.
        if (outcome === "consumed") throw new HttpError(409, "reservation is consumed: the order was paid", { orderId });
        if (outcome === "released") metrics.businessEvents.inc({ event: "stock_released", status: "ok" });
        return reply.status(200).send({ orderId, released: outcome === "released" });
    });

    app.post("/api/inventory/reservations/:orderId/consume", async (request, reply) => {
        const { orderId } = parseInput(orderParams, request.params, "path");
        const outcome = await queries.consumeReservation(db.pool, orderId);
        if (outcome === "none") throw new HttpError(404, "no reservation for this order", { orderId });
        return reply.status(200).send({ orderId, consumed: true });
    });
}
