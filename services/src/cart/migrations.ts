import type { Migration } from "../runtime/migrations";

export const migrations: readonly Migration[] = [
    {
        version: 1,
        name: "cart items",
        sql: `
            CREATE TABLE cart_items (
                user_id text NOT NULL,
                product_id text NOT NULL,
                quantity integer NOT NULL CHECK (quantity > 0),
                unit_price integer NOT NULL CHECK (unit_price > 0),
                added_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (user_id, product_id)
            );
        `,
    },
];
