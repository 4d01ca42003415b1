// Orders in PostgreSQL, including the idempotency claim that lets exactly one request at a
// time work on an order and lets retries get the stored answer.
import { randomUUID } from "node:crypto";
import type { Queryable } from "../runtime/database";
import type { OrderRequest } from "./workflow";

export type OrderStatus = "pending" | "confirmed" | "payment_failed" | "rejected";

export interface OrderLine {
    productId: string;
    quantity: number;
    unitPrice: number;
}

export interface StoredAnswer {
    status: number;
    body: unknown;
}

export type Claim =
    | { kind: "work"; orderId: string }
    | { kind: "replay"; answer: StoredAnswer }
    | { kind: "busy"; orderId: string }
    | { kind: "key_reused"; orderId: string };

interface ClaimRow {
    id: string;
    request_hash: string;
    status: OrderStatus;
    response_status: number | null;
    response_body: unknown;
}

export async function claimOrder(db: Queryable, key: string, hash: string, request: OrderRequest, leaseMs: number): Promise<Claim> {
    const inserted = await db.query<{ id: string }>(
        `INSERT INTO orders (id, idempotency_key, request_hash, user_id, status, lease_until, request)
         VALUES ($1, $2, $3, $4, 'pending', now() + $5 * interval '1 millisecond', $6)
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
        [randomUUID(), key, hash, request.userId, leaseMs, JSON.stringify(request)],
    );
    if (inserted.rows[0]) return { kind: "work", orderId: inserted.rows[0].id };

    const existing = (
        await db.query<ClaimRow>("SELECT id, request_hash, status, response_status, response_body FROM orders WHERE idempotency_key = $1", [key])
    ).rows[0];
    if (existing.request_hash !== hash) return { kind: "key_reused", orderId: existing.id };
    if (existing.status !== "pending") return { kind: "replay", answer: { status: existing.response_status!, body: existing.response_body } };
    // A pending order whose lease ran out was left half done by a failed attempt: take it over.
    const resumed = await db.query(
        `UPDATE orders SET lease_until = now() + $2 * interval '1 millisecond', updated_at = now()
         WHERE id = $1 AND status = 'pending' AND (lease_until IS NULL OR lease_until < now())`,
        [existing.id, leaseMs],
    );
    return resumed.rowCount === 1 ? { kind: "work", orderId: existing.id } : { kind: "busy", orderId: existing.id };
}

/**
 * The sweeper's claim: up to `limit` pending orders older than `ageMs` that nobody works on,
 * each leased in the same statement. SKIP LOCKED lets sweepers on other replicas pass over
 * rows this one is taking, and the lease keeps them (and client retries) off afterwards, so
 * each order is claimed by exactly one of them. Orders from before the request was stored
 * (migration 2) cannot be resumed and are left to a client retry.
 */
export async function claimStale(db: Queryable, ageMs: number, leaseMs: number, limit: number): Promise<{ orderId: string; request: OrderRequest }[]> {
    const claimed = await db.query<{ id: string; request: OrderRequest }>(
        `UPDATE orders SET lease_until = now() + $2 * interval '1 millisecond', updated_at = now()
         WHERE id IN (
             SELECT id FROM orders
             WHERE status = 'pending' AND request IS NOT NULL
               AND created_at < now() - $1 * interval '1 millisecond'
               AND (lease_until IS NULL OR lease_until < now())
             ORDER BY created_at LIMIT $3
             FOR UPDATE SKIP LOCKED)
         RETURNING id, request`,
        [ageMs, leaseMs, limit],
    );
    return claimed.rows.map((row) => ({ orderId: row.id, request: row.request }));
}

/** Lets the next retry take the order over after a transient failure. */
export async function releaseLease(db: Queryable, orderId: string): Promise<void> {
    await db.query("UPDATE orders SET lease_until = NULL, updated_at = now() WHERE id = $1", [orderId]);
}

export async function recordLines(db: Queryable, orderId: string, lines: readonly OrderLine[], total: number): Promise<void> {
    // The total and every line in one statement: one round trip, and all or nothing.
    await db.query(
        `WITH totalled AS (UPDATE orders SET total = $2, updated_at = now() WHERE id = $1)
         INSERT INTO order_items (order_id, line, product_id, quantity, unit_price)
         SELECT $1, l.line, l.product_id, l.quantity, l.unit_price
         FROM unnest($3::int[], $4::text[], $5::int[], $6::int[]) AS l (line, product_id, quantity, unit_price)
         ON CONFLICT (order_id, line) DO NOTHING`,
        [orderId, total, lines.map((_, i) => i + 1), lines.map((l) => l.productId), lines.map((l) => l.quantity), lines.map((l) => l.unitPrice)],
    );
}

export interface Outcome {
    status: Exclude<OrderStatus, "pending">;
    answer: StoredAnswer;
    paymentId?: string;
    trackingId?: string;
}

export async function finishOrder(db: Queryable, orderId: string, outcome: Outcome): Promise<void> {
    await db.query(
        `UPDATE orders SET status = $2, response_status = $3, response_body = $4, payment_id = $5, tracking_id = $6,
                lease_until = NULL, updated_at = now()
         WHERE id = $1`,
        [orderId, outcome.status, outcome.answer.status, JSON.stringify(outcome.answer.body), outcome.paymentId ?? null, outcome.trackingId ?? null],
    );
}

export async function findOrder(db: Queryable, orderId: string) {
    const order = (
        await db.query(
            `SELECT id AS "orderId", user_id AS "userId", status, total, currency, payment_id AS "paymentId",
                    tracking_id AS "trackingId", created_at AS "createdAt", updated_at AS "updatedAt"
             FROM orders WHERE id = $1`,
            [orderId],
        )
    ).rows[0];
    if (!order) return undefined;
    const items = await db.query<OrderLine>(
        `SELECT product_id AS "productId", quantity, unit_price AS "unitPrice" FROM order_items WHERE order_id = $1 ORDER BY line`,
        [orderId],
    );
    return { ...order, items: items.rows };
}
