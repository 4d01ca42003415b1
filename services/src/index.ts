// Programmatic entry: start any service in-process (tests, the local dev runner) or only
// run its migrations. `node dist/main.js` is the container's entry and uses the same calls.
import { createLogger } from "./runtime/logger";
import { openDatabase } from "./runtime/database";
import { migrate } from "./runtime/migrations";
import { runService, type RunOptions, type RunningService } from "./runtime/server";
import type { ServiceConfig } from "./runtime/config";
import { serviceModules } from "./services";

export { ConfigError, loadConfig, type ServiceConfig } from "./runtime/config";
export type { RunOptions, RunningService } from "./runtime/server";
export { serviceNames, downstreamsOf, urlVariable, type ServiceName } from "./runtime/service-names";
export { startTracing } from "./runtime/tracing";

/** Starts the service named by `config.service`; resolves once it listens and its migrations ran. */
export function startService(config: ServiceConfig, options: RunOptions = {}): Promise<RunningService> {
    return runService(serviceModules[config.service], config, options);
}

/** Applies pending migrations of `config.service` and returns the versions applied. */
export async function migrateService(config: ServiceConfig, options: RunOptions = {}): Promise<number[]> {
    const logger = createLogger(config, options.logDestination);
    const module = serviceModules[config.service];
    const db = openDatabase(config.databaseUrl, module.name, logger, config.databasePoolMax, config.databaseStatementTimeoutMs);
    try {
        return await migrate(db, module.migrations, logger);
    } finally {
        await db.close();
    }
}
