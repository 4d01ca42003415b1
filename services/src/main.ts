// Container entry point: `node dist/main.js` serves SERVICE_NAME, `node dist/main.js migrate`
// only migrates its schema and exits, `node dist/main.js bootstrap-logins` creates every
// service's database login (the deploy's bootstrap Job). Config errors print one line and exit 1.
import { adminUrlVariable, loginsFromEnv, provisionLogins } from "./bootstrap/logins";
import { ConfigError, loadConfig, migrateService, startService, startTracing } from "./index";

async function main(): Promise<void> {
    // First of all: as PID 1 in a container, Node has no default action for SIGTERM, so a
    // signal that arrives before a handler exists (while the migrations wait for the
    // database) would be ignored until the kubelet's SIGKILL.
    const stopRequested = new AbortController();
    let stop = (signal: string) => stopRequested.abort(signal);
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));

    const command = process.argv[2] ?? "serve";
    if (command !== "serve" && command !== "migrate" && command !== "bootstrap-logins") {
        fail(`unknown command "${command}"; expected serve, migrate or bootstrap-logins`);
    }
    if (command === "bootstrap-logins") {
        await bootstrapLogins();
        return;
    }
    let config;
    try {
        config = loadConfig(process.env);
    } catch (error) {
        if (error instanceof ConfigError) fail(error.message);
        throw error;
    }
    if (command === "migrate") {
        stop = (signal: string) => {
            console.error(`migrate stopped by ${signal}`);
            process.exit(1);
        };
        const applied = await migrateService(config);
        console.log(JSON.stringify({ service: config.service, migrationsApplied: applied }));
        return;
    }

    const tracing = await startTracing(config);
    let service;
    try {
        service = await startService(config, { signal: stopRequested.signal });
    } catch (error) {
        if (!stopRequested.signal.aborted) throw error;
        // Stopped before it served anything: nothing to drain.
        console.log(JSON.stringify({ service: config.service, msg: `stopped by ${stopRequested.signal.reason} while starting` }));
        await tracing.shutdown().catch(() => {});
        process.exit(0);
    }
    const running = service;
    stop = (signal: string) =>
        void (async () => {
            running.logger.info({ signal }, "stop requested");
            const drained = await running.close();
            await tracing.shutdown().catch(() => {});
            process.exit(drained ? 0 : 1);
        })();
    // A signal that came between the end of the start and this line.
    if (stopRequested.signal.aborted) stop(String(stopRequested.signal.reason));
}

async function bootstrapLogins(): Promise<void> {
    const adminUrl = process.env[adminUrlVariable];
    if (!adminUrl) fail(`${adminUrlVariable} is not set`);
    let logins;
    try {
        logins = loginsFromEnv(process.env);
    } catch (error) {
        fail(`invalid environment: ${(error as Error).message}`);
    }
    await provisionLogins(adminUrl, logins);
    console.log(JSON.stringify({ loginsProvisioned: logins.map((login) => login.role) }));
    // In a meshed Job the sidecar outlives the app; tell it to stop so the Job completes.
    const quitUrl = process.env.SIDECAR_QUIT_URL;
    if (quitUrl) await fetch(quitUrl, { method: "POST" }).catch(() => {});
}

function fail(message: string): never {
    console.error(message);
    process.exit(1);
}

main().catch((error: unknown) => {
    console.error(`fatal: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
});
