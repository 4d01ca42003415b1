import type { Migration } from "../runtime/migrations";

export const migrations: readonly Migration[] = [
    {
        version: 1,
        name: "shipments",
        sql: `
            -- One shipment per order: the unique order_id makes creating it idempotent.
            CREATE TABLE shipments (
                tracking_id text PRIMARY KEY,
                order_id text NOT NULL UNIQUE,
                address text NOT NULL,
                status text NOT NULL DEFAULT 'label_created',
                created_at timestamptz NOT NULL DEFAULT now()
            );
        `,
    },
];
