// Shipments: one per order, created idempotently, looked up by tracking id.
import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import * as z from "zod";
import { HttpError } from "../runtime/errors";
import { subjectOf } from "../runtime/identity";
import type { ServiceContext } from "../runtime/service-module";
import { idSchema, parseInput } from "../runtime/validation";

interface Shipment {
    trackingId: string;
    orderId: string;
    address: string;
    status: string;
}

const shipmentColumns = `tracking_id AS "trackingId", order_id AS "orderId", address, status`;
const trackingParams = z.object({ trackingId: idSchema });
const newShipment = z.strictObject({ orderId: idSchema, address: z.string().trim().min(1).max(500) });

export function registerShippingRoutes(app: FastifyInstance, { db, metrics }: ServiceContext): void {
    app.post("/api/shipments", async (request, reply) => {
        const { orderId, address } = parseInput(newShipment, request.body, "request body");
        const trackingId = `TRK-${randomBytes(6).toString("hex").toUpperCase()}`;
        const created = await db.pool.query<Shipment>(
            `INSERT INTO shipments (tracking_id, order_id, address) VALUES ($1, $2, $3)
             ON CONFLICT (order_id) DO NOTHING RETURNING ${shipmentColumns}`,
            [trackingId, orderId, address],
        );
        if (created.rows[0]) metrics.businessEvents.inc({ event: "shipment_created", status: "ok" });
        const shipment =
            created.rows[0] ?? (await db.pool.query<Shipment>(`SELECT ${shipmentColumns} FROM shipments WHERE order_id = $1`, [orderId])).rows[0];
        return reply.status(201).send(shipment);
    });

    app.get("/api/shipments/:trackingId", async (request) => {
        const { trackingId } = parseInput(trackingParams, request.params, "path");
        subjectOf(request); // the tracking id is the customer's to share; shipments record no owner
        // So any signed-in customer holding the id sees the status, never the address (issue 25, item 8).
        const result = await db.pool.query<Omit<Shipment, "address">>(
            `SELECT tracking_id AS "trackingId", order_id AS "orderId", status FROM shipments WHERE tracking_id = $1`,
            [trackingId],
        );
        if (!result.rows[0]) throw new HttpError(404, "shipment not found", { trackingId });
        return result.rows[0];
    });
}
