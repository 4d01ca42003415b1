import type { Migration } from "../runtime/migrations";

export const migrations: readonly Migration[] = [
    {
        version: 1,
        name: "orders",
        sql: `
            -- An order is claimed by its idempotency key before any step runs; the final answer
            -- is stored with it so a retried request gets exactly the first result.
            CREATE TABLE orders (
                id text PRIMARY KEY,
                idempotency_key text NOT NULL UNIQUE,
                request_hash text NOT NULL,
                user_id text NOT NULL,
                status text NOT NULL CHECK (status IN ('pending', 'confirmed', 'payment_failed', 'rejected')),
                total integer,
                currency text NOT NULL DEFAULT 'EUR',
                payment_id text,
                tracking_id text,
                -- While set and in the future, one request is working on this order.
                lease_until timestamptz,
                response_status integer,
                response_body jsonb,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE order_items (
                order_id text NOT NULL REFERENCES orders (id),
                line integer NOT NULL,
                product_id text NOT NULL,
                quantity integer NOT NULL CHECK (quantity > 0),
                unit_price integer NOT NULL CHECK (unit_price > 0),
                PRIMARY KEY (order_id, line)
            );
        `,
    },
    {
        version: 2,
        name: "orders-request-for-the-sweeper",
        sql: `
            -- The request itself, so the sweeper can resume a pending order no client retries.
            ALTER TABLE orders ADD COLUMN request jsonb;
            CREATE INDEX orders_pending_by_age ON orders (created_at) WHERE status = 'pending';
        `,
    },
    {
        version: 3,
        name: "orders-keys-per-customer-and-owned-leases",
        sql: `
            -- A key means one order for one customer: user 2 sending user 1's key gets an order of
            -- its own, never user 1's order id (issue 25, item 3).
            ALTER TABLE orders DROP CONSTRAINT orders_idempotency_key_key;
            ALTER TABLE orders ADD CONSTRAINT orders_user_key UNIQUE (user_id, idempotency_key);
            -- The lease's holder: only the worker whose token is stored may renew, release or finish.
            ALTER TABLE orders ADD COLUMN lease_owner text;
            -- Sweeps that left the order pending; after ORDER_SWEEP_MAX_ATTEMPTS it is marked failed.
            ALTER TABLE orders ADD COLUMN sweep_attempts integer NOT NULL DEFAULT 0;
            ALTER TABLE orders DROP CONSTRAINT orders_status_check;
            ALTER TABLE orders ADD CONSTRAINT orders_status_check
                CHECK (status IN ('pending', 'confirmed', 'payment_failed', 'rejected', 'failed'));
        `,
    },
];
