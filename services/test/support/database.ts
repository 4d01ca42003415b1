// A fresh database per test file on the run's throwaway PostgreSQL.
import { randomBytes } from "node:crypto";
import pg from "pg";

function adminUrl(): string {
    const url = process.env.TEST_POSTGRES_ADMIN_URL;
    if (!url) throw new Error("TEST_POSTGRES_ADMIN_URL is not set: run the tests through mocha (.mocharc.json starts PostgreSQL)");
    return url;
}

/** Runs one query as superuser on the `postgres` database. */
export function adminQuery(sql: string, params: unknown[] = []): Promise<pg.QueryResultRow[]> {
    return queryDatabase(adminUrl(), sql, params);
}

/** Creates an empty database and returns its name and URL. */
export async function createTestDatabase(): Promise<{ name: string; url: string }> {
    const name = `test_${randomBytes(6).toString("hex")}`;
    await adminQuery(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl());
    url.pathname = `/${name}`;
    return { name, url: url.toString() };
}

/** Runs one query in the test database `url`. */
export async function queryDatabase<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    url: string,
    sql: string,
    params: unknown[] = [],
): Promise<Row[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
        return (await client.query<Row>(sql, params)).rows;
    } finally {
        await client.end();
    }
}
