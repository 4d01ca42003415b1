// Running migrations at start. A database that is not reachable yet (still booting, DNS
// not ready) is waited for, since the startup probe reports progress meanwhile; a failing
// migration is a bug and stops the start. A stop requested meanwhile (SIGTERM) ends the wait.
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { isConnectionError, type Database } from "./database";
import { migrate, type Migration } from "./migrations";

const maxBackoffMs = 5_000;

export async function migrateUntilDone(db: Database, migrations: readonly Migration[], logger: Logger, signal?: AbortSignal): Promise<void> {
    for (let attempt = 1; ; attempt++) {
        signal?.throwIfAborted();
        try {
            await migrate(db, migrations, logger);
            return;
        } catch (error) {
            if (!isConnectionError(error)) throw error;
            const waitMs = Math.min(maxBackoffMs, 250 * 2 ** attempt);
            logger.warn({ err: error, attempt, waitMs }, "database not reachable yet; retrying migrations");
            await sleep(waitMs, undefined, { signal });
        }
    }
}
