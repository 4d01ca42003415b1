// The money invariants of services/README.md ("Money invariants", a test keeps the list equal),
// each with the queries that return the rows breaking it. One copy: the fault harness
// (test/support/faults.ts) checks them after each scenario, loadgen after a run.
import type pg from "pg";

/** Runs one query and returns its rows. */
export type Query = (sql: string) => Promise<pg.QueryResultRow[]>;

export const invariantChecks: Record<string, Record<string, string>> = {
    "a succeeded payment always ends in a confirmed order with a shipment, or in a refund": {
        "succeeded payment without a confirmed, shipped order": `
            SELECT p.order_id FROM payment.payments p
            LEFT JOIN "order".orders o ON o.id = p.order_id
            LEFT JOIN shipping.shipments s ON s.order_id = p.order_id
            WHERE p.status = 'succeeded' AND (o.status IS DISTINCT FROM 'confirmed' OR s.order_id IS NULL OR o.payment_id <> p.id::text)`,
        "confirmed order without its succeeded charge of its total": `
            SELECT o.id FROM "order".orders o
            LEFT JOIN payment.payments p ON p.order_id = o.id AND p.status = 'succeeded'
            WHERE o.status = 'confirmed' AND (p.id IS NULL OR p.amount <> o.total OR p.currency <> o.currency)`,
        "shipment of an order that did not end confirmed": `
            SELECT s.order_id FROM shipping.shipments s LEFT JOIN "order".orders o ON o.id = s.order_id
            WHERE o.status IS DISTINCT FROM 'confirmed' AND o.status IS DISTINCT FROM 'pending'`,
    },
    "no key, no second charge": {
        "an order charged more than once": `
            SELECT order_id FROM payment.payments WHERE status IN ('succeeded', 'refunded') GROUP BY order_id HAVING count(*) > 1`,
        "an order without its customer's key": `SELECT id FROM "order".orders WHERE idempotency_key IS NULL OR idempotency_key = ''`,
    },
    "a reservation is consumed exactly once: confirmed, or released when nothing was charged": {
        "confirmed order whose reservation is not consumed": `
            SELECT o.id FROM "order".orders o LEFT JOIN inventory.reservations r ON r.order_id = o.id
            WHERE o.status = 'confirmed' AND r.consumed_at IS NULL`,
        "settled, unconfirmed order still holding stock": `
            SELECT o.id FROM "order".orders o JOIN inventory.reservations r ON r.order_id = o.id
            WHERE o.status IN ('payment_failed', 'rejected', 'failed')`,
        "pending order left behind": `SELECT id FROM "order".orders WHERE status = 'pending'`,
    },
    "a key means one order for one customer": {
        "key with more than one order": `
            SELECT user_id, idempotency_key FROM "order".orders GROUP BY user_id, idempotency_key HAVING count(*) > 1`,
    },
    // Conservation itself (initial = on hand + reserved + sold) is checked in checkInvariants.
    "stock is conserved: initial = on hand + reserved + sold, and sold = what confirmed orders bought": {
        "sold stock differs from confirmed orders' lines": `
            WITH sold AS (SELECT ri.product_id, sum(ri.quantity)::int AS n FROM inventory.reservation_items ri
                          JOIN inventory.reservations r USING (order_id) WHERE r.consumed_at IS NOT NULL GROUP BY 1),
                 bought AS (SELECT i.product_id, sum(i.quantity)::int AS n FROM "order".order_items i
                            JOIN "order".orders o ON o.id = i.order_id WHERE o.status = 'confirmed' GROUP BY 1)
            SELECT coalesce(sold.product_id, bought.product_id) FROM sold FULL JOIN bought USING (product_id)
            WHERE sold.n IS DISTINCT FROM bought.n`,
    },
};

/**
 * Stock accounted for per product: on hand + reserved + sold (every reservation line is one
 * or the other). Orders only move stock between these, so the sum changes only by a restock.
 */
export async function accountedStock(query: Query): Promise<Map<string, number>> {
    const rows = await query(
        `SELECT s.product_id, s.available + coalesce(sum(ri.quantity), 0)::int AS accounted
         FROM inventory.stock s LEFT JOIN inventory.reservation_items ri USING (product_id) GROUP BY s.product_id, s.available`,
    );
    return new Map(rows.map((row) => [row.product_id as string, row.accounted as number]));
}

/**
 * Every invariant's rows that break it, by name; empty when all hold. `baseline` is the stock
 * accounted for at the start (plus whatever was restocked since), per product.
 */
export async function checkInvariants(query: Query, baseline: ReadonlyMap<string, number>): Promise<string[]> {
    const checks: Record<string, string> = Object.assign({}, ...Object.values(invariantChecks));
    const broken: string[] = [];
    for (const [name, sql] of Object.entries(checks)) {
        const rows = await query(sql);
        if (rows.length > 0) broken.push(`${name}: ${JSON.stringify(rows)}`);
    }
    for (const [productId, accounted] of await accountedStock(query)) {
        if (accounted !== baseline.get(productId)) broken.push(`stock of ${productId} not conserved: ${accounted} accounted, ${baseline.get(productId)} at start`);
    }
    return broken;
}
