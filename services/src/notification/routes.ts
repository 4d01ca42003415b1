// Customer notifications. Sending is simulated: a notification is accepted (202), stored
// and logged; the list shows what a user was told.
import type { FastifyInstance } from "fastify";
import * as z from "zod";
import { requireOwner } from "../runtime/identity";
import type { ServiceContext } from "../runtime/service-module";
import { idSchema, parseInput } from "../runtime/validation";

const notificationTypes = ["order_confirmed", "payment_failed", "order_shipped"] as const;

const newNotification = z.strictObject({ type: z.enum(notificationTypes), userId: idSchema, orderId: idSchema });
const listQuery = z.strictObject({ userId: idSchema });

export function registerNotificationRoutes(app: FastifyInstance, { db, metrics }: ServiceContext): void {
    app.post("/api/notifications", async (request, reply) => {
        const { type, userId, orderId } = parseInput(newNotification, request.body, "request body");
        const inserted = await db.pool.query<{ id: string }>(
            `INSERT INTO notifications (type, user_id, order_id) VALUES ($1, $2, $3)
             ON CONFLICT (type, user_id, order_id) DO NOTHING RETURNING id::text`,
            [type, userId, orderId],
        );
        if (inserted.rows[0]) {
            metrics.businessEvents.inc({ event: "notification_sent", status: type });
            request.log.info({ type, userId, orderId }, "notification sent");
        }
        return reply.status(202).send({ accepted: true, type, userId, orderId });
    });

    app.get("/api/notifications", async (request) => {
        const { userId } = parseInput(listQuery, request.query, "query");
        requireOwner(request, userId, "notification list");
        // Qualified: a bare `id` would name the id::text output column and sort as text (9 > 10).
        const result = await db.pool.query(
            `SELECT id::text, type, user_id AS "userId", order_id AS "orderId", created_at AS "createdAt"
             FROM notifications WHERE user_id = $1 ORDER BY notifications.id DESC LIMIT 100`,
            [userId],
        );
        return { userId, notifications: result.rows };
    });
}
