// Starts the eight services (product in both versions) as separate processes on loopback
// ports, plus the router in front of them, and stops them all again. Used by `npm run dev`,
// the benchmark and the end-to-end tests, so all three run the same topology.
import { existsSync } from "node:fs";
import type http from "node:http";
import path from "node:path";
import { defaultBodyLimitBytes } from "../src/runtime/config";
import { downstreamsOf, serviceNames, urlVariable, type ServiceName } from "../src/runtime/service-names";
import { callerGate, chainGates, edgeGate, publishJwks } from "./access";
import { Child } from "./child";
import { DevError } from "./errors";
import { faultGate, stripFaultHeaders, type Faults } from "./faults";
import { ephemeralDevIssuer, jwksPath, type DevIssuer } from "./issuer";
import { serviceNodeFlags } from "./node-flags";
import { freePort } from "./ports";
import { EdgeRateLimiter, rateLimitGate, type RateBudget } from "./ratelimit";
import { createRouter, listenRouter, type RouterOptions } from "./router";
import type { Backend, ProductSplit, RandomSource } from "./routes";

export interface StackOptions {
    readonly databaseUrl: string;
    readonly split: ProductSplit;
    /** Faults the router injects, per service (the stack's `faults`). */
    readonly faults?: Faults;
    /** Router address; port 0 picks a free one. */
    readonly host: string;
    readonly port: number;
    /** Extra environment for every service, e.g. PAYMENT_FAILURE_RATE=0 in tests. */
    readonly serviceEnv?: Readonly<Record<string, string>>;
    /** Copy service logs to stderr. */
    readonly echoLogs?: boolean;
    readonly progress?: (line: string) => void;
    readonly random?: RandomSource;
    readonly readyTimeoutMs?: number;
    /** argv that starts one service; the built entry by default (tests run the sources through tsx). */
    readonly serviceCommand?: readonly string[];
    /** Aborting while starting stops what was started and rejects. */
    readonly signal?: AbortSignal;
    /** The stack's route timeout per service (ms), enforced by the router. */
    readonly routeTimeoutMs?: Readonly<Partial<Record<ServiceName, number>>>;
    /** Signs and verifies end-user tokens at the edge; a throwaway one when omitted. */
    readonly issuer?: DevIssuer;
    /** The stack's edge rate limit per client address; none when omitted. */
    readonly rateBudget?: RateBudget;
    /** The stack's chaos.enabled: every instance runs the chaos control on a loopback port of its own. */
    readonly chaos?: boolean;
}

export interface Instance {
    readonly service: ServiceName;
    readonly version: string;
    readonly url: string;
    /** The instance's chaos control (services/src/runtime/chaos.ts), when the stack enables it. */
    readonly chaosUrl?: string;
    readonly child: Child;
}

/** The body limit the router enforces for services run with BODY_LIMIT_BYTES=`value` (their default when unset). */
export function routerBodyLimit(value: string | undefined): number {
    return Number(value ?? defaultBodyLimitBytes);
}

/** The ingress gateway's stand-in: the rate limit first, then the JWKS and the access rules, then routing. */
export function createEdgeRouter(options: RouterOptions & { readonly issuer: DevIssuer; readonly rateBudget?: RateBudget; readonly faults?: () => Faults }): http.Server {
    const gates = [
        ...(options.rateBudget ? [rateLimitGate(new EdgeRateLimiter(options.rateBudget))] : []),
        publishJwks(jwksPath, options.issuer.jwks),
        edgeGate(options.issuer),
        // Faults are for mesh callers only: the gateway removes their headers.
        ...(options.faults ? [stripFaultHeaders(options.faults)] : []),
    ];
    // The caller's options object itself, so a reroute that sets its split reaches this router.
    return createRouter(Object.assign(options, { gate: chainGates(...gates) }));
}

export interface RunningStack {
    readonly routerUrl: string;
    /** The issuer the edge trusts: `issuer.mint(userId)` gives a customer's token. */
    readonly issuer: DevIssuer;
    readonly instances: readonly Instance[];
    /** Swaps the router's split and faults (a stack file edit); refuses versions that are not running. */
    reroute(split: ProductSplit, faults: Faults): void;
    /** Stops every service (SIGTERM, drain), then the router. Resolves true when all exited cleanly. */
    stop(): Promise<boolean>;
}

/** How long a service may drain after SIGTERM before it is killed. */
const drainGraceMs = 20_000;
const defaultVersion = "v1";

/** The built service entry, found from this file whether it runs from source or from dist. */
function servicesEntry(): string {
    let dir = __dirname;
    while (!existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
    const entry = path.join(dir, "dist", "main.js");
    if (!existsSync(entry)) throw new DevError(`${entry} is missing: build the services first (npm --prefix services run build)`);
    return entry;
}

function label(service: ServiceName, version: string): string {
    return service === "product" ? `${service} ${version}` : service;
}

function versionsOf(service: ServiceName, split: ProductSplit): string[] {
    return service === "product" ? [split.stable, split.canary] : [defaultVersion];
}

/** Polls `url`/health/ready until it answers 200; fails with the child's last lines if it exits first. */
export async function waitReady(child: Child, url: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        signal?.throwIfAborted();
        if (!child.running) {
            throw new DevError(`${child.describeExit()} while starting. Last lines:\n${child.lastLines()}`);
        }
        const status = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1_000) }).then(
            (res) => res.status,
            () => 0,
        );
        if (status === 200) return;
        if (Date.now() > deadline) {
            throw new DevError(`${child.name} was not ready within ${timeoutMs} ms. Last lines:\n${child.lastLines()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
}

/** Stops services, then the routers. Resolves with the exit of each service. */
async function stopAll(routers: readonly http.Server[], instances: readonly Instance[]): Promise<StopResult[]> {
    // Services first: while they drain, their in-flight calls to each other still go through
    // the router. Then the router, which by then has nothing left to forward to.
    const results = await Promise.all(instances.map(({ child }) => child.stop(drainGraceMs).then((exit) => ({ child, ...exit }))));
    await Promise.all(
        routers.map(
            (router) =>
                new Promise((resolve) => {
                    router.close(resolve);
                    router.closeAllConnections();
                }),
        ),
    );
    return results;
}

type StopResult = Awaited<ReturnType<Child["stop"]>> & { readonly child: Child };

/** Says which services did not stop cleanly; true when all did. */
function reportStop(results: readonly StopResult[], progress: (line: string) => void): boolean {
    for (const { child, killed, code, wasRunning } of results) {
        if (!wasRunning) progress(`${child.describeExit()} before the stop`);
        else if (killed) progress(`${child.name} did not exit within ${drainGraceMs} ms of SIGTERM: killed`);
        else if (code !== 0) progress(`${child.describeExit()} on SIGTERM. Last lines:\n${child.lastLines()}`);
    }
    return results.every(({ killed, code }) => !killed && code === 0);
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
    const progress = options.progress ?? (() => undefined);
    const [command, ...args] = options.serviceCommand ?? [process.execPath, ...serviceNodeFlags, servicesEntry()];
    const instances: Instance[] = [];
    const byBackend = new Map<string, string>();
    const key = (service: string, version: string) => `${service}@${version}`;
    const backendUrl = (backend: Backend) => byBackend.get(key(backend.service, backend.version ?? defaultVersion));

    // The router refuses what the services would refuse, with the limit they run with.
    const bodyLimitBytes = routerBodyLimit(options.serviceEnv?.BODY_LIMIT_BYTES ?? process.env.BODY_LIMIT_BYTES);
    const routing = { split: options.split, backendUrl, random: options.random, bodyLimitBytes, routeTimeoutMs: options.routeTimeoutMs };
    let faults = options.faults ?? {};
    // Every listener's options, so a reroute reaches the edge and the callers' sidecars alike.
    const routerOptions: RouterOptions[] = [];
    const track = <T extends RouterOptions>(o: T): T => (routerOptions.push(o), o);
    const issuer = options.issuer ?? (await ephemeralDevIssuer());
    const router = createEdgeRouter(track({ ...routing, issuer, rateBudget: options.rateBudget, faults: () => faults }));
    // Each calling service gets its own listener, as it has its own sidecar: it reaches only
    // the routes that name it as a caller.
    const callerRouters = new Map<ServiceName, http.Server>();
    for (const service of serviceNames.filter((name) => downstreamsOf[name].length > 0)) {
        // Envoy's fault filter (the caller's sidecar) runs after RBAC.
        callerRouters.set(service, createRouter(track({ ...routing, gate: chainGates(callerGate(service), faultGate(() => faults, options.random)) })));
    }
    const routers = [router, ...callerRouters.values()];
    const running = versionsOf("product", options.split);
    const reroute = (split: ProductSplit, newFaults: Faults) => {
        const missing = [split.stable, split.canary].filter((v) => !running.includes(v));
        if (missing.length) throw new DevError(`product ${missing.join(", ")} is not running (running: ${running.join(", ")}); restart npm run dev for new versions`);
        for (const o of routerOptions) o.split = split;
        faults = newFaults;
    };
    try {
        const routerUrl = await listenRouter(router, options.port, options.host).catch((err: NodeJS.ErrnoException) => {
            if (err.code !== "EADDRINUSE") throw err;
            throw new DevError(`${options.host}:${options.port} is already in use: stop what listens there or set PORT`);
        });
        // Services call each other through their own listener, as they do through the mesh, so
        // internal product calls see the same canary split as edge traffic.
        const downstreamEnv = new Map<ServiceName, Record<string, string>>();
        for (const [service, callerRouter] of callerRouters) {
            const url = await listenRouter(callerRouter, 0, "127.0.0.1");
            downstreamEnv.set(service, Object.fromEntries(downstreamsOf[service].map((target) => [urlVariable(target), url])));
        }
        for (const service of serviceNames) {
            for (const version of versionsOf(service, options.split)) {
                options.signal?.throwIfAborted();
                const port = await freePort();
                const url = `http://127.0.0.1:${port}`;
                const chaosPort = options.chaos ? await freePort() : undefined;
                const child = new Child({
                    name: label(service, version),
                    command,
                    args,
                    echo: options.echoLogs,
                    env: {
                        ...process.env,
                        ...downstreamEnv.get(service),
                        ...options.serviceEnv,
                        SERVICE_NAME: service,
                        SERVICE_VERSION: version,
                        HOST: "127.0.0.1",
                        PORT: String(port),
                        DATABASE_URL: options.databaseUrl,
                        ...(chaosPort ? { CHAOS_ENABLED: "true", CHAOS_PORT: String(chaosPort) } : {}),
                    },
                });
                instances.push({ service, version, url, child, ...(chaosPort ? { chaosUrl: `http://127.0.0.1:${chaosPort}` } : {}) });
                progress(`starting ${child.name} on ${url} (pid ${child.pid})`);
            }
        }
        await Promise.all(
            instances.map(async (instance) => {
                await waitReady(instance.child, instance.url, options.readyTimeoutMs ?? 60_000, options.signal);
                byBackend.set(key(instance.service, instance.version), instance.url);
                progress(`${instance.child.name} ready`);
            }),
        );
        return { routerUrl, issuer, instances, reroute, stop: async () => reportStop(await stopAll(routers, instances), progress) };
    } catch (err) {
        // The error says what went wrong; how the others reacted to being stopped is noise.
        await stopAll(routers, instances);
        throw err;
    }
}
