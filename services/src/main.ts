// Container entry point: `node dist/main.js` serves SERVICE_NAME, `node dist/main.js migrate`
// only migrates its schema and exits. Config errors print one line and exit 1.
import { ConfigError, loadConfig, migrateService, startService, startTracing } from "./index";

async function main(): Promise<void> {
    const command = process.argv[2] ?? "serve";
    if (command !== "serve" && command !== "migrate") {
        fail(`unknown command "${command}"; expected serve or migrate`);
    }
    let config;
    try {
        config = loadConfig(process.env);
    } catch (error) {
        if (error instanceof ConfigError) fail(error.message);
        throw error;
    }
    if (command === "migrate") {
        const applied = await migrateService(config);
        console.log(JSON.stringify({ service: config.service, migrationsApplied: applied }));
        return;
    }

    const tracing = await startTracing(config);
    const service = await startService(config);
    const stop = async (signal: string) => {
        service.logger.info({ signal }, "stop requested");
        const drained = await service.close();
        await tracing.shutdown().catch(() => {});
        process.exit(drained ? 0 : 1);
    };
    process.once("SIGTERM", () => void stop("SIGTERM"));
    process.once("SIGINT", () => void stop("SIGINT"));
}

function fail(message: string): never {
    console.error(message);
    process.exit(1);
}

main().catch((error: unknown) => {
    console.error(`fatal: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
});
