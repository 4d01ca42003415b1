import type { Migration } from "../runtime/migrations";

export const migrations: readonly Migration[] = [
    {
        version: 1,
        name: "notifications",
        sql: `
            -- One notification of a kind per order and user, so a replayed order step sends nothing twice.
            CREATE TABLE notifications (
                id bigserial PRIMARY KEY,
                type text NOT NULL,
                user_id text NOT NULL,
                order_id text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                UNIQUE (type, user_id, order_id)
            );
            CREATE INDEX notifications_by_user ON notifications (user_id, id);
        `,
    },
];
