import type { Migration } from "../runtime/migrations";

export const migrations: readonly Migration[] = [
    {
        version: 1,
        name: "stock and reservations",
        sql: `
            CREATE TABLE stock (
                product_id text PRIMARY KEY,
                available integer NOT NULL CHECK (available >= 0)
            );
            CREATE TABLE reservations (
                order_id text PRIMARY KEY,
                created_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE reservation_items (
                order_id text NOT NULL REFERENCES reservations (order_id) ON DELETE CASCADE,
                product_id text NOT NULL REFERENCES stock (product_id),
                quantity integer NOT NULL CHECK (quantity > 0),
                PRIMARY KEY (order_id, product_id)
            );
            -- Product 1 is what demos and load tests order again and again.
            INSERT INTO stock (product_id, available) VALUES
                ('1', 10000), ('2', 250), ('3', 40), ('4', 500), ('5', 1000), ('6', 120),
                ('7', 80), ('8', 60), ('9', 35), ('10', 300), ('11', 150), ('12', 200);
        `,
    },
    {
        version: 2,
        name: "reservations-consumed",
        sql: `
            -- Set when the order is paid: the stock is sold, and releasing it is refused from then on.
            ALTER TABLE reservations ADD COLUMN consumed_at timestamptz;
        `,
    },
];
