// Orders in PostgreSQL, including the idempotency claim that lets exactly one request at a
// time work on an order and lets retries get the stored answer.
import { randomUUID } from "node:crypto";
import type { Queryable } from "../runtime/database";
import type { OrderRequest } from "./workflow";

export type OrderStatus = "pending" | "confirmed" | "payment_failed" | "rejected" | "failed";

export interface OrderLine {
    productId: string;
    quantity: number;
    unitPrice: number;
}

export interface StoredAnswer {
    status: number;
    body: unknown;
}

/** The lease on one pending order: only the holder of `token` may renew, release or finish it. */
export interface Lease {
    readonly orderId: string;
    readonly token: string;
}

export type Claim =
    | { kind: "work"; lease: Lease }
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

/** The worker lost the order: its lease ran out and someone else took it, or it is finished. */
export class LeaseLost extends Error {
    constructor(readonly orderId: string) {
        super(`lease on order ${orderId} lost`);
    }
}

/** Claims the customer's key: a key is unique per (user_id, key), never across customers. */
export async function claimOrder(db: Queryable, key: string, hash: string, request: OrderRequest, leaseMs: number): Promise<Claim> {
    const token = randomUUID();
    const inserted = await db.query<{ id: string }>(
        `INSERT INTO orders (id, idempotency_key, request_hash, user_id, status, lease_until, lease_owner, request)
         VALUES ($1, $2, $3, $4, 'pending', now() + $5 * interval '1 millisecond', $7, $6)
         ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING id`,
        [randomUUID(), key, hash, request.userId, leaseMs, JSON.stringify(request), token],
    );
    if (inserted.rows[0]) return { kind: "work", lease: { orderId: inserted.rows[0].id, token } };

    const existing = (
        await db.query<ClaimRow>(
            "SELECT id, request_hash, status, response_status, response_body FROM orders WHERE user_id = $1 AND idempotency_key = $2",
            [request.userId, key],
        )
    ).rows[0];
    if (existing.request_hash !== hash) return { kind: "key_reused", orderId: existing.id };
    if (existing.status !== "pending") return { kind: "replay", answer: { status: existing.response_status!, body: existing.response_body } };
    // A pending order whose lease ran out was left half done by a failed attempt: take it over.
    const resumed = await db.query(
        `UPDATE orders SET lease_until = now() + $2 * interval '1 millisecond', lease_owner = $3, updated_at = now()
         WHERE id = $1 AND status = 'pending' AND (lease_until IS NULL OR lease_until < now())`,
        [existing.id, leaseMs, token],
    );
    return resumed.rowCount === 1 ? { kind: "work", lease: { orderId: existing.id, token } } : { kind: "busy", orderId: existing.id };
}

/**
 * The sweeper's claim: the oldest pending order older than `ageMs` that nobody works on, leased
 * to a fresh token in the same statement. One at a time, so a lease never runs out while the
 * order waits behind others in a batch. SKIP LOCKED lets sweepers on other replicas pass over
 * the row this one is taking. Orders from before the request was stored (migration 2) cannot
 * be resumed and are left to a client retry. `skip`: orders this sweep already tried.
 */
export async function claimStale(db: Queryable, ageMs: number, leaseMs: number, skip: readonly string[] = []): Promise<{ lease: Lease; request: OrderRequest; attempts: number } | undefined> {
    const token = randomUUID();
    const claimed = await db.query<{ id: string; request: OrderRequest; sweep_attempts: number }>(
        `UPDATE orders SET lease_until = now() + $2 * interval '1 millisecond', lease_owner = $3, updated_at = now()
         WHERE id = (
             SELECT id FROM orders
             WHERE status = 'pending' AND request IS NOT NULL
               AND created_at < now() - $1 * interval '1 millisecond'
               AND (lease_until IS NULL OR lease_until < now())
               AND id <> ALL($4::text[])
             ORDER BY created_at LIMIT 1
             FOR UPDATE SKIP LOCKED)
         RETURNING id, request, sweep_attempts`,
        [ageMs, leaseMs, token, skip],
    );
    const row = claimed.rows[0];
    return row && { lease: { orderId: row.id, token }, request: row.request, attempts: row.sweep_attempts };
}

/** Extends the lease before a step; throws LeaseLost when the worker no longer holds it. */
export async function renewLease(db: Queryable, lease: Lease, leaseMs: number): Promise<void> {
    const renewed = await db.query(
        `UPDATE orders SET lease_until = now() + $3 * interval '1 millisecond'
         WHERE id = $1 AND lease_owner = $2 AND status = 'pending'`,
        [lease.orderId, lease.token, leaseMs],
    );
    if (renewed.rowCount !== 1) throw new LeaseLost(lease.orderId);
}

/** Lets the next retry take the order over after a transient failure; only the holder can. */
export async function releaseLease(db: Queryable, lease: Lease, sweptAttempt = false): Promise<void> {
    await db.query(
        `UPDATE orders SET lease_until = NULL, lease_owner = NULL, sweep_attempts = sweep_attempts + $3::int, updated_at = now()
         WHERE id = $1 AND lease_owner = $2 AND status = 'pending'`,
        [lease.orderId, lease.token, sweptAttempt ? 1 : 0],
    );
}

export async function recordLines(db: Queryable, orderId: string, lines: readonly OrderLine[], total: number, currency: string): Promise<void> {
    // The total and every line in one statement: one round trip, and all or nothing.
    await db.query(
        `WITH totalled AS (UPDATE orders SET total = $2, currency = $7, updated_at = now() WHERE id = $1)
         INSERT INTO order_items (order_id, line, product_id, quantity, unit_price)
         SELECT $1, l.line, l.product_id, l.quantity, l.unit_price
         FROM unnest($3::int[], $4::text[], $5::int[], $6::int[]) AS l (line, product_id, quantity, unit_price)
         ON CONFLICT (order_id, line) DO NOTHING`,
        [orderId, total, lines.map((_, i) => i + 1), lines.map((l) => l.productId), lines.map((l) => l.quantity), lines.map((l) => l.unitPrice), currency],
    );
}

export interface Outcome {
    status: Exclude<OrderStatus, "pending">;
    answer: StoredAnswer;
    paymentId?: string;
    trackingId?: string;
}

/**
 * Stores the final outcome, only while the worker still holds the lease on a pending order:
 * a late worker can never overwrite another's result. False when the lease was lost.
 */
export async function finishOrder(db: Queryable, lease: Lease, outcome: Outcome): Promise<boolean> {
    const finished = await db.query(
        `UPDATE orders SET status = $3, response_status = $4, response_body = $5, payment_id = $6, tracking_id = $7,
                lease_until = NULL, lease_owner = NULL, updated_at = now()
         WHERE id = $1 AND lease_owner = $2 AND status = 'pending'`,
        [lease.orderId, lease.token, outcome.status, outcome.answer.status, JSON.stringify(outcome.answer.body), outcome.paymentId ?? null, outcome.trackingId ?? null],
    );
    return finished.rowCount === 1;
}

/** What an earlier attempt recorded: the prices the order was (maybe) charged at; undefined on a first attempt. */
export async function recordedOrder(db: Queryable, orderId: string): Promise<{ lines: OrderLine[]; total: number; currency: string } | undefined> {
    const order = (await db.query<{ total: number | null; currency: string }>("SELECT total, currency FROM orders WHERE id = $1", [orderId])).rows[0];
    if (order?.total == null) return undefined;
    const lines = await db.query<OrderLine>(
        `SELECT product_id AS "productId", quantity, unit_price AS "unitPrice" FROM order_items WHERE order_id = $1 ORDER BY line`,
        [orderId],
    );
    return { lines: lines.rows, total: order.total, currency: order.currency };
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
