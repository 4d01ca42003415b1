import type { Queryable } from "../runtime/database";

export interface ReservationItem {
    productId: string;
    quantity: number;
}

export async function availableStock(db: Queryable, productId: string): Promise<number | undefined> {
    const result = await db.query<{ available: number }>("SELECT available FROM stock WHERE product_id = $1", [productId]);
    return result.rows[0]?.available;
}

/** Claims the order id; false when a reservation for it already exists. Waits for a concurrent claim to settle. */
export async function claimReservation(db: Queryable, orderId: string): Promise<boolean> {
    const result = await db.query("INSERT INTO reservations (order_id) VALUES ($1) ON CONFLICT DO NOTHING", [orderId]);
    return result.rowCount === 1;
}

export async function reservationItems(db: Queryable, orderId: string): Promise<ReservationItem[]> {
    const result = await db.query<ReservationItem>(
        `SELECT product_id AS "productId", quantity FROM reservation_items WHERE order_id = $1 ORDER BY product_id`,
        [orderId],
    );
    return result.rows;
}

/**
 * Takes `quantity` off the shelf only if that much is there. The row lock this UPDATE takes
 * is what keeps concurrent reservations from overselling.
 */
export async function takeStock(db: Queryable, orderId: string, item: ReservationItem): Promise<boolean> {
    // One statement, one round trip: the item is recorded only when the stock was taken.
    const taken = await db.query(
        `WITH taken AS (UPDATE stock SET available = available - $2 WHERE product_id = $1 AND available >= $2 RETURNING product_id)
         INSERT INTO reservation_items (order_id, product_id, quantity) SELECT $3, product_id, $2 FROM taken`,
        [item.productId, item.quantity, orderId],
    );
    return taken.rowCount === 1;
}

/** Marks the order's stock sold; "none" when there is no reservation. Idempotent. */
export async function consumeReservation(db: Queryable, orderId: string): Promise<"consumed" | "none"> {
    const result = await db.query("UPDATE reservations SET consumed_at = coalesce(consumed_at, now()) WHERE order_id = $1", [orderId]);
    return result.rowCount === 1 ? "consumed" : "none";
}

/**
 * Deletes the reservation and puts its items back: "released", "none" when there was none, or
 * "consumed" (nothing changed) when the order was paid and its stock is sold. The row lock
 * taken first makes a concurrent consume and release settle one way.
 */
export async function releaseReservation(db: Queryable, orderId: string): Promise<"released" | "none" | "consumed"> {
    const held = await db.query<{ consumed: boolean }>("SELECT consumed_at IS NOT NULL AS consumed FROM reservations WHERE order_id = $1 FOR UPDATE", [orderId]);
    if (held.rows[0]?.consumed) return "consumed";
    await db.query(
        `WITH gone AS (DELETE FROM reservation_items WHERE order_id = $1 RETURNING product_id, quantity)
         UPDATE stock SET available = stock.available + gone.quantity FROM gone WHERE stock.product_id = gone.product_id`,
        [orderId],
    );
    const reservation = await db.query("DELETE FROM reservations WHERE order_id = $1", [orderId]);
    return reservation.rowCount === 1 ? "released" : "none";
}
