// An in-process copy of data read far more often than it is written (the catalogue). Writers
// NOTIFY a channel in the same transaction as the write (a trigger does it), every replica
// LISTENs on its own connection and drops its copy on a notification, so all replicas stay
// coherent. Without a working LISTEN connection the copy is never trusted: reads go through.
// A connection can die silently (Azure drops idle flows after ~4 minutes without a reset), so
// it has TCP keepalive and a periodic health query; while that query fails the copy is untrusted.
import pg from "pg";
import type { Logger } from "pino";
import { keepAlive } from "./database";

export interface SnapshotOptions<T> {
    readonly databaseUrl: string;
    /** PostgreSQL channel the writers notify. */
    readonly channel: string;
    readonly load: () => Promise<T>;
    /**
     * Applies a notification's payload to the copy (e.g. one product's rating), or answers
     * (or resolves to) undefined when it cannot: then the whole copy is loaded again.
     */
    readonly update?: (current: T, payload: string) => Promise<T | undefined> | undefined;
    readonly logger: Logger;
    /** Wait before reconnecting a lost LISTEN connection. */
    readonly reconnectMs?: number;
    /** How often the LISTEN connection is asked `SELECT 1`, and how long it may take to answer. */
    readonly healthMs?: number;
    readonly healthTimeoutMs?: number;
}

export class NotifiedSnapshot<T> {
    private current: Promise<T> | undefined;
    private client: pg.Client | undefined;
    private listening = false;
    private closed = false;
    private retry: NodeJS.Timeout | undefined;
    private health: NodeJS.Timeout | undefined;
    /** Times the copy was dropped because of a notification (tests, metrics). */
    invalidations = 0;

    constructor(private readonly options: SnapshotOptions<T>) {}

    /** Starts listening; resolves once LISTEN is in place (or failed, then it retries). */
    async start(): Promise<void> {
        if (this.closed) return;
        const client = new pg.Client({ connectionString: this.options.databaseUrl, application_name: `${this.options.channel}-listener`, ...keepAlive });
        this.client = client;
        client.on("notification", (message) => {
            this.invalidations++;
            this.refresh(message.payload);
        });
        const lost = (error?: Error) => {
            if (this.client !== client) return;
            this.stopTrusting();
            this.client = undefined;
            clearInterval(this.health);
            if (!this.closed) {
                this.options.logger.warn({ err: error, channel: this.options.channel }, "snapshot listener lost; reading through until it is back");
                this.retry = setTimeout(() => void this.start(), this.options.reconnectMs ?? 1_000);
                this.retry.unref();
            }
        };
        client.on("error", lost);
        client.on("end", () => lost());
        try {
            await client.connect();
            await client.query(`LISTEN ${pg.escapeIdentifier(this.options.channel)}`);
            // Anything cached before this point may have missed a notification.
            this.current = undefined;
            this.listening = true;
            this.health = setInterval(() => void this.checkHealth(client, lost), this.options.healthMs ?? 30_000);
            this.health.unref();
        } catch (error) {
            lost(error as Error);
            await client.end().catch(() => {});
        }
    }

    /** A health query that fails or hangs means notifications may be lost: the connection is dropped and remade. */
    private async checkHealth(client: pg.Client, lost: (error?: Error) => void): Promise<void> {
        let timer: NodeJS.Timeout | undefined;
        const timeoutMs = this.options.healthTimeoutMs ?? 5_000;
        const hung = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`LISTEN connection did not answer SELECT 1 within ${timeoutMs}ms`)), timeoutMs);
        });
        try {
            await Promise.race([client.query("SELECT 1"), hung]);
        } catch (error) {
            lost(error as Error);
            // end() would wait for the hung query: drop the socket instead.
            (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
        } finally {
            clearTimeout(timer);
        }
    }

    /** The snapshot, loaded on first use after a change. */
    get(): Promise<T> {
        if (!this.listening) return this.options.load();
        if (!this.current) {
            const loading = this.options.load();
            this.current = loading;
            // A failed load is not kept: the next read tries again.
            loading.catch(() => {
                if (this.current === loading) this.current = undefined;
            });
        }
        return this.current;
    }

    /**
     * Brings the copy up to date after a change: with `update` for a payload it knows, else by
     * dropping it. Updates chain on the copy in hand, so each reads the database after the
     * change and after any load or update before it; a failed one loads the whole copy instead.
     */
    refresh(payload?: string): void {
        const current = this.current;
        const update = this.options.update;
        if (!current || !payload || !update) {
            this.current = undefined;
            return;
        }
        const next = current.then(async (value) => (await update(value, payload)) ?? this.options.load()).catch(() => this.options.load());
        this.current = next;
        next.catch(() => {
            if (this.current === next) this.current = undefined;
        });
    }

    get trusted(): boolean {
        return this.listening;
    }

    async close(): Promise<void> {
        this.closed = true;
        clearTimeout(this.retry);
        clearInterval(this.health);
        this.stopTrusting();
        const client = this.client;
        this.client = undefined;
        await client?.end().catch(() => {});
    }

    private stopTrusting(): void {
        this.listening = false;
        this.current = undefined;
    }
}
