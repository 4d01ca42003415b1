import type { Migration } from "../runtime/migrations";

export const migrations: readonly Migration[] = [
    {
        version: 1,
        name: "users",
        sql: `
            CREATE TABLE users (
                id text PRIMARY KEY,
                name text NOT NULL,
                email text NOT NULL UNIQUE,
                address text,
                created_at timestamptz NOT NULL DEFAULT now()
            );
            -- User 1 lets the documented order example work on a fresh database.
            INSERT INTO users (id, name, email, address)
            VALUES ('1', 'Ada Example', 'ada@example.com', '1 Example Street, 1000 Brussels, BE');
        `,
    },
];
