// PostgreSQL access. Each service owns one schema named after itself; the pool puts that
// schema first on the search path so queries use plain table names.
import pg from "pg";
import type { Logger } from "pino";

export type Queryable = Pick<pg.PoolClient, "query">;

export interface Database {
    readonly pool: pg.Pool;
    readonly schema: string;
    /** Runs `work` in one transaction; rolls back if it throws. */
    transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
    /** True when a trivial query answers within `timeoutMs`. */
    ping(timeoutMs: number): Promise<boolean>;
    close(): Promise<void>;
}

/** How recently a busy pool must have had a connection back for readiness to call it healthy without a probe. */
const busyPoolGraceMs = 5_000;

/** TCP keepalive on every connection: Azure's load balancer drops flows idle for about 4 minutes without telling either end. */
export const keepAlive = { keepAlive: true, keepAliveInitialDelayMillis: 30_000 } as const;

export function openDatabase(url: string, schema: string, logger: Logger, poolMax = 10, statementTimeoutMs = 5_000): Database {
    const pool = new pg.Pool({
        connectionString: url,
        options: `-c search_path=${schema}`,
        // Sent as a startup parameter: a statement stuck behind a lock fails after this instead of holding the connection.
        statement_timeout: statementTimeoutMs,
        ...keepAlive,
        max: poolMax,
        connectionTimeoutMillis: 2_000,
        idleTimeoutMillis: 30_000,
        application_name: schema,
    });
    // An idle connection dropped by the server must not crash the process; the next
    // checkout reconnects and readiness reports the outage meanwhile.
    pool.on("error", (error) => logger.warn({ err: error }, "idle database connection lost"));
    // A connection handed back without an error means the database answered just now.
    let lastAnswerAt = 0;
    pool.on("release", (error) => {
        if (!error) lastAnswerAt = Date.now();
    });

    return {
        pool,
        schema,
        async transaction(work) {
            const client = await pool.connect();
            try {
                await client.query("BEGIN");
                const result = await work(client);
                await client.query("COMMIT");
                return result;
            } catch (error) {
                await client.query("ROLLBACK").catch(() => {});
                throw error;
            } finally {
                client.release();
            }
        },
        async ping(timeoutMs) {
            // Every connection busy is load, not an outage: while they keep coming back the
            // database is up, and queueing the probe behind them would mark a busy pod unready.
            const saturated = pool.idleCount === 0 && pool.totalCount >= poolMax;
            if (saturated && Date.now() - lastAnswerAt < busyPoolGraceMs) return true;
            let timer: NodeJS.Timeout | undefined;
            const timeout = new Promise<boolean>((resolve) => {
                timer = setTimeout(() => resolve(false), timeoutMs);
            });
            const query = pool.query("SELECT 1").then(
                () => true,
                () => false,
            );
            try {
                return await Promise.race([query, timeout]);
            } finally {
                clearTimeout(timer);
            }
        },
        close: () => pool.end(),
    };
}

/** Unique-violation from PostgreSQL, e.g. a duplicate email. */
/** A unique-constraint violation, of `constraint` when given (PostgreSQL names a primary key `<table>_pkey`). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
    const { code, constraint: violated } = error as { code?: string; constraint?: string };
    return code === "23505" && (constraint === undefined || violated === constraint);
}

// PostgreSQL codes that mean "no usable connection": connection exceptions (08), refused
// login (28), database missing (3D000) or not accepting connections (55000), too many
// connections (53300), server shutting down or starting (57P0x).
const unavailableCodes = /^(08|28|3D000$|55000$|53300$|57P0)/;

/** True when the database could not be reached or used at all, as opposed to a failing query. */
export function isConnectionError(error: unknown): boolean {
    const code = (error as { code?: unknown }).code;
    // Node's network errors: ECONNREFUSED, ENOTFOUND, ETIMEDOUT, ...
    if (typeof code === "string") return /^E[A-Z]+$/.test(code) || unavailableCodes.test(code);
    // pg reports a lost or timed-out connection without a code.
    return error instanceof Error && /timeout|terminated/i.test(error.message);
}
