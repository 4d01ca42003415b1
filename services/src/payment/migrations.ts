import type { Migration } from "../runtime/migrations";

export const migrations: readonly Migration[] = [
    {
        version: 1,
        name: "payments",
        sql: `
            -- The unique idempotency key is what makes "charge once per key" hold under concurrency.
            CREATE TABLE payments (
                id uuid PRIMARY KEY,
                idempotency_key text NOT NULL UNIQUE,
                request_hash text NOT NULL,
                order_id text NOT NULL,
                amount integer NOT NULL CHECK (amount > 0),
                currency text NOT NULL,
                status text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX payments_by_order ON payments (order_id);
        `,
    },
    {
        version: 2,
        name: "payments-refunds",
        sql: `
            -- status: succeeded | declined | refunded (a succeeded charge given back) | voided (refused
            -- before any charge, so a charge still in flight under the key can never succeed later).
            ALTER TABLE payments ADD COLUMN refunded_at timestamptz;
        `,
    },
];
