// Versioned schema migrations. All pending migrations run in one transaction under an
// advisory lock, so replicas (and product v1 next to v2, which share a schema) can start
// at the same time and exactly one applies each version.
import type { Logger } from "pino";
import type { Database } from "./database";

export interface Migration {
    /** Applied in ascending order; never renumber or edit one that has shipped. */
    readonly version: number;
    readonly name: string;
    readonly sql: string;
}

export async function migrate(database: Database, migrations: readonly Migration[], logger: Logger): Promise<number[]> {
    const ordered = [...migrations].sort((a, b) => a.version - b.version);
    const schema = database.schema;
    return database.transaction(async (client) => {
        // Waiting for another replica's migrations, or a long migration, is not a stuck query:
        // the pool's DATABASE_STATEMENT_TIMEOUT_MS does not apply to this transaction.
        await client.query("SET LOCAL statement_timeout = 0");
        await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`migrations:${schema}`]);
        // A login that owns only its schema (the bootstrap Job made it) may not CREATE in the database.
        const present = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
        if (!present.rowCount) await client.query(`CREATE SCHEMA "${schema}"`);
        await client.query(`CREATE TABLE IF NOT EXISTS "${schema}".schema_migrations (
            version integer PRIMARY KEY,
            name text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )`);
        const applied = await client.query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations`);
        const done = new Set(applied.rows.map((row) => row.version));
        const newlyApplied: number[] = [];
        for (const migration of ordered) {
            if (done.has(migration.version)) continue;
            await client.query(migration.sql);
            await client.query(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES ($1, $2)`, [
                migration.version,
                migration.name,
            ]);
            logger.info({ schema, migration: migration.version, name: migration.name }, "migration applied");
            newlyApplied.push(migration.version);
        }
        return newlyApplied;
    });
}
