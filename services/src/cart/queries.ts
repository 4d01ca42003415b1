import type { Queryable } from "../runtime/database";

export interface CartLine {
    productId: string;
    quantity: number;
    unitPrice: number;
}

export async function cartLines(db: Queryable, userId: string): Promise<CartLine[]> {
    const result = await db.query<CartLine>(
        `SELECT product_id AS "productId", quantity, unit_price AS "unitPrice"
         FROM cart_items WHERE user_id = $1 ORDER BY added_at, product_id`,
        [userId],
    );
    return result.rows;
}

export async function quantityInCart(db: Queryable, userId: string, productId: string): Promise<number> {
    const result = await db.query<{ quantity: number }>("SELECT quantity FROM cart_items WHERE user_id = $1 AND product_id = $2", [
        userId,
        productId,
    ]);
    return result.rows[0]?.quantity ?? 0;
}

/**
 * Adds to the line (or starts it) and refreshes the price to the catalogue's current one, only
 * if the line then holds at most `available`; false (nothing changed) otherwise. One statement:
 * ON CONFLICT DO UPDATE locks the line and its WHERE sees the latest committed quantity, so
 * concurrent adds cannot both pass a check made on a quantity read before either wrote.
 */
export async function addToCart(db: Queryable, userId: string, productId: string, quantity: number, unitPrice: number, available: number): Promise<boolean> {
    const result = await db.query(
        `INSERT INTO cart_items (user_id, product_id, quantity, unit_price) SELECT $1, $2, $3::integer, $4::integer WHERE $3::integer <= $5::integer
         ON CONFLICT (user_id, product_id)
         DO UPDATE SET quantity = cart_items.quantity + EXCLUDED.quantity, unit_price = EXCLUDED.unit_price
         WHERE cart_items.quantity + EXCLUDED.quantity <= $5::integer`,
        [userId, productId, quantity, unitPrice, available],
    );
    return result.rowCount === 1;
}

export async function removeFromCart(db: Queryable, userId: string, productId: string): Promise<boolean> {
    const result = await db.query("DELETE FROM cart_items WHERE user_id = $1 AND product_id = $2", [userId, productId]);
    return result.rowCount === 1;
}
