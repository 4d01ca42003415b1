// `npm run dev`: PostgreSQL (local cluster or DATABASE_URL), all services, and the router,
// with one "ready" line, and a clean stop of every child on SIGINT/SIGTERM.
//
// Environment: PORT (8080), HOST (127.0.0.1), DATABASE_URL (else a cluster in DEV_STATE_DIR,
// default ./.pg), DEV_PRODUCT_SPLIT (JSON from the stack config), DEV_PROMETHEUS (the local
// Prometheus's relabelling and rules, JSON from the stack config; unset: no Prometheus), DEV_VERBOSE=1 (service logs
// at info on stderr; otherwise services log at warn unless LOG_LEVEL says otherwise),
// DEV_RATE_LIMIT (JSON from the stack's rateLimit), DEV_ISSUER_DIR (the development issuer's key),
// DEV_FAULTS (the router's fault injection, JSON from the stack config), DEV_CANARY_FAILURE_RATE
// (0-1: the product canary's chaos control answers that share of requests 500, to watch `promote` roll it back),
// DEV_TLS_PORT (HTTPS in front of the router: 8443, or a free port when PORT=0; "off" for none),
// DEV_TLS_DIR (the development CA, default .dev-tls), DEV_TLS (JSON {minVersion, hstsMaxAge} from the stack's edge),
// DEV_CHAOS=true (the stack's chaos.enabled: each instance runs the chaos control), DEV_CHAOS_FILE
// (where the controls' URLs are written for `npm run chaos`).
import { once } from "node:events";
import path from "node:path";
import { DevError } from "./errors";
import { defaultIssuerDir, openDevIssuer } from "./issuer";
import { startContainerStack } from "./containers";
import { checkDatabase, startLocalPostgres, type LocalPostgres } from "./postgres";
import { startLocalPrometheus, type LocalPrometheus, type PrometheusSpec } from "./prometheus";
import { failInstance, writeChaosFile } from "./chaos-file";
import { describeFaults, parseFaults } from "./faults";
import { followStackFile } from "./reload";
import { parseRateBudget } from "./ratelimit";
import { describeSplit, parseProductSplit } from "./split";
import { startStack, type RunningStack } from "./stack";
import { defaultTlsDir, devTlsPort, devTlsSettings, openDevCa, startTlsFront, tlsVersions, type TlsFront } from "./tls";
import { parseRouteTimeouts } from "./timeouts";

const progress = (line: string) => process.stderr.write(`ecommerce-mesh dev: ${line}\n`);

function routerPort(): number {
    const raw = process.env.PORT ?? "8080";
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new DevError(`PORT must be a port number, got "${raw}"`);
    return port;
}

function reportCrashesAfterStart(stack: RunningStack): void {
    for (const { child } of stack.instances) {
        void child.exited.then(() => {
            if (!child.stopRequested) {
                progress(`${child.describeExit()}; the router now answers 503 for it. Last lines:\n${child.lastLines()}`);
            }
        });
    }
}

async function stopDatabase(postgres: LocalPostgres): Promise<boolean> {
    const exit = await postgres.server.stop(30_000);
    const clean = !exit.killed && exit.code === 0;
    if (!clean) progress(`${postgres.server.describeExit()}. Last lines:\n${postgres.server.lastLines()}`);
    return clean;
}

async function main(): Promise<number> {
    const stopSignal = new AbortController();
    process.on("SIGINT", () => stopSignal.abort());
    process.on("SIGTERM", () => stopSignal.abort());
    let postgres: LocalPostgres | undefined;
    let stack: RunningStack | undefined;
    let prometheus: LocalPrometheus | undefined;
    let tlsFront: TlsFront | undefined;
    let removeChaosFile: (() => void) | undefined;
    // If this process dies unexpectedly, take the children with it rather than orphan them.
    process.on("exit", () => {
        stack?.instances.forEach(({ child }) => child.kill());
        postgres?.server.kill();
        prometheus?.server.kill();
    });

    let failed = false;
    try {
        const split = parseProductSplit(process.env.DEV_PRODUCT_SPLIT);
        const faults = parseFaults(process.env.DEV_FAULTS);
        const canaryFailureRate = process.env.DEV_CANARY_FAILURE_RATE;
        const routeTimeoutMs = parseRouteTimeouts(process.env.DEV_ROUTE_TIMEOUTS);
        const rateBudget = parseRateBudget(process.env.DEV_RATE_LIMIT);
        const issuer = await openDevIssuer(process.env.DEV_ISSUER_DIR ?? defaultIssuerDir());
        const verbose = process.env.DEV_VERBOSE === "1";
        const port = routerPort();
        let databaseUrl = process.env.DATABASE_URL;
        // DEV_CONTAINERS: the rendered local stack (tools/dev.ts --containers) runs in podman,
        // with a PostgreSQL of its own that the pods reach on the engine network.
        const containerManifest = process.env.DEV_CONTAINERS;
        if (containerManifest) {
            progress(`running ${containerManifest} in containers`);
        } else if (databaseUrl) {
            progress("using DATABASE_URL");
            await checkDatabase(databaseUrl);
        } else {
            const stateDir = path.resolve(process.env.DEV_STATE_DIR ?? ".pg");
            progress(`starting PostgreSQL (data in ${stateDir})`);
            postgres = await startLocalPostgres(stateDir, progress);
            databaseUrl = postgres.url;
            progress(`PostgreSQL ready at ${databaseUrl}`);
        }
        const stateDir = path.resolve(process.env.DEV_STATE_DIR ?? ".pg", "containers");
        stack = containerManifest
            ? await startContainerStack({ manifestFile: containerManifest, split, host: process.env.HOST ?? "127.0.0.1", port, stateDir, progress, signal: stopSignal.signal, issuer, rateBudget, routeTimeoutMs })
            : await startStack({
            databaseUrl: databaseUrl!,
            split,
            faults,
            host: process.env.HOST ?? "127.0.0.1",
            port,
            progress,
            echoLogs: verbose,
            // Request logs only when they are shown: unread, they would cost the router's CPU
            // and push a crash's error lines out of the kept tail.
            serviceEnv: { LOG_LEVEL: process.env.LOG_LEVEL ?? (verbose ? "info" : "warn") },
            signal: stopSignal.signal,
            routeTimeoutMs,
            issuer,
            rateBudget,
            // A failing canary is a chaos scenario: the controls run for it even when the stack has chaos off.
            chaos: process.env.DEV_CHAOS === "true" || canaryFailureRate !== undefined,
        });
        if (canaryFailureRate !== undefined && !containerManifest) {
            const canary = stack.instances.find((i) => i.service === "product" && i.version === split.canary)!;
            await failInstance(canary.chaosUrl!, canaryFailureRate);
            progress(`product ${split.canary} fails ${canaryFailureRate} of its requests (chaos control, for an hour): npm run chaos -- --stack <stack> --clear --service product ends it`);
        }
        if (process.env.DEV_PROMETHEUS) {
            const stateDir = path.resolve(process.env.DEV_STATE_DIR ?? ".pg", "..", ".prometheus");
            prometheus = await startLocalPrometheus(stateDir, JSON.parse(process.env.DEV_PROMETHEUS) as PrometheusSpec, stack.instances, verbose);
        }
        const httpsPort = devTlsPort(process.env.DEV_TLS_PORT, port);
        if (httpsPort !== undefined) {
            const ca = openDevCa(process.env.DEV_TLS_DIR ?? defaultTlsDir());
            const settings = devTlsSettings(process.env.DEV_TLS);
            tlsFront = await startTlsFront({ ca, target: stack.routerUrl, host: process.env.HOST ?? "127.0.0.1", port: httpsPort, minVersion: tlsVersions[settings.minVersion], hstsMaxAge: settings.hstsMaxAge });
            progress(`HTTPS on ${tlsFront.url} (CA ${ca.caFile}: curl --cacert ${ca.caFile} ${tlsFront.url}/api/products); plain HTTP there redirects`);
        }
        if (process.env.DEV_CHAOS_FILE && stack.instances.some((i) => i.chaosUrl)) {
            removeChaosFile = writeChaosFile(process.env.DEV_CHAOS_FILE, stack.routerUrl, stack.instances);
            progress(`chaos controls listed in ${process.env.DEV_CHAOS_FILE}: npm run chaos -- --list`);
        }
        const metrics = prometheus ? `, Prometheus on ${prometheus.url}` : "";
        const secure = tlsFront ? ` and ${tlsFront.url}` : "";
        progress("customer routes need a token: npm run token -- --user 1");
        process.stdout.write(`ecommerce-mesh dev: ready on ${stack.routerUrl}${secure} (${describeSplit(split)}; ${describeFaults(faults)})${metrics}\n`);
        reportCrashesAfterStart(stack);
        followStackFile(stack, progress);
        if (!stopSignal.signal.aborted) await once(stopSignal.signal, "abort");
    } catch (err) {
        // An abort during start is a requested stop; startStack already stopped what it started.
        if (!stopSignal.signal.aborted) {
            failed = true;
            progress(err instanceof DevError ? err.message : String((err as Error).stack ?? err));
        }
    }
    progress("stopping");
    removeChaosFile?.();
    await tlsFront?.close();
    const servicesClean = stack ? await stack.stop() : true;
    const databaseClean = postgres ? await stopDatabase(postgres) : true;
    const prometheusClean = prometheus ? await prometheus.stop() : true;
    progress(servicesClean && databaseClean && prometheusClean ? "stopped" : "stopped, not cleanly (see above)");
    return failed || !servicesClean || !databaseClean || !prometheusClean ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (err) => {
        progress(String(err?.stack ?? err));
        process.exit(1);
    },
);
