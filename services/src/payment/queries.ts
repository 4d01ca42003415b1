import type { Queryable } from "../runtime/database";

export interface Payment {
    paymentId: string;
    orderId: string;
    amount: number;
    currency: string;
    status: string;
    requestHash: string;
}

const paymentColumns = `id AS "paymentId", order_id AS "orderId", amount, currency, status, request_hash AS "requestHash"`;

export async function findByKey(db: Queryable, key: string): Promise<Payment | undefined> {
    return (await db.query<Payment>(`SELECT ${paymentColumns} FROM payments WHERE idempotency_key = $1`, [key])).rows[0];
}

/** Records the charge unless the key is taken; a concurrent insert with the same key is waited for. */
export async function insertIfNew(db: Queryable, key: string, payment: Payment): Promise<Payment | undefined> {
    const result = await db.query<Payment>(
        `INSERT INTO payments (id, idempotency_key, request_hash, order_id, amount, currency, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING ${paymentColumns}`,
        [payment.paymentId, key, payment.requestHash, payment.orderId, payment.amount, payment.currency, payment.status],
    );
    return result.rows[0];
}

/**
 * Gives the charge under `key` back, or, when nothing is charged yet, records the key as voided
 * so a charge still in flight under it (a lost response) loses the insert and never succeeds.
 * A decline stays a decline. Returns the payment as it now stands.
 */
export async function refundOrVoid(db: Queryable, key: string, payment: Payment): Promise<Payment> {
    const voided = await insertIfNew(db, key, { ...payment, status: "voided" });
    if (voided) return voided;
    const refunded = await db.query<Payment>(
        `UPDATE payments SET status = 'refunded', refunded_at = now() WHERE idempotency_key = $1 AND status = 'succeeded' RETURNING ${paymentColumns}`,
        [key],
    );
    return refunded.rows[0] ?? (await findByKey(db, key))!;
}
