// `npm run dev -- --containers`: the local stack's rendered workloads in a container engine.
// PostgreSQL and the router run on the host and listen on the engine network's gateway, the
// address the pods' hostAliases give every cluster name. The engine sits behind a small
// interface (ContainerEngine); podman is the one implementation, through `podman kube play`.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import http from "node:http";
import path from "node:path";
import pg from "pg";
import { planContainers, type ContainerPlan, type Deployment, type KubeObject, type Workload } from "./container-manifests";
import { DevError } from "./errors";
import { faultGate, type Faults } from "./faults";
import { startLocalPostgres, type LocalPostgres } from "./postgres";
import { ephemeralDevIssuer, type DevIssuer } from "./issuer";
import type { RateBudget } from "./ratelimit";
import { createRouter, listenRouter, type RouterOptions } from "./router";
import { createEdgeRouter, routerBodyLimit } from "./stack";
import type { Backend, ProductSplit, RandomSource } from "./routes";
import type { RunningStack } from "./stack";
import type { ServiceName } from "../src/runtime/service-names";

export interface EngineNetwork {
    readonly name: string;
    readonly subnet: string;
    readonly gateway: string;
}

/** What the container mode needs from an engine; everything it creates it can remove. */
export interface ContainerEngine {
    imageExists(ref: string): Promise<boolean>;
    createNetwork(name: string): Promise<EngineNetwork>;
    /** A secret that secretKeyRef in played pods can read, holding the Secret's data. */
    createSecret(secret: KubeObject): Promise<void>;
    /** Plays the objects on the network; resolves with the pods made. */
    play(objects: readonly KubeObject[], network: string): Promise<string[]>;
    /** The IP of the workload's container in a played pod, and its name. */
    container(pod: string, workload: Workload): Promise<{ name: string; ip: string }>;
    logs(container: string, lines: number): Promise<string>;
    /** Stops pods (SIGTERM, then SIGKILL after graceSeconds) and removes pods, secrets, network. */
    remove(made: Made, graceSeconds: number): Promise<void>;
}

export interface Made {
    network?: string;
    readonly secrets: string[];
    readonly pods: string[];
}

/** podman with the project's containers.conf (runc, no forced ulimits). */
export class Podman implements ContainerEngine {
    constructor(private readonly env: NodeJS.ProcessEnv = { ...process.env, CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? defaultContainersConf() }) {}

    /**
     * podman reads `-` only from a real pipe, and Node's stdio pipes are socket pairs: hand
     * it a private file instead, removed at once (it may hold a Secret's values).
     */
    private async withFile<T>(content: string, use: (file: string) => Promise<T>): Promise<T> {
        const dir = mkdtempSync(path.join(os.tmpdir(), "ecommerce-mesh-podman-"));
        const file = path.join(dir, "input");
        writeFileSync(file, content, { mode: 0o600 });
        try {
            return await use(file);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    }

    run(args: readonly string[]): Promise<string> {
        return new Promise((resolve, reject) => {
            const child = spawn("podman", args, { env: this.env, stdio: ["ignore", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
            child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
            child.once("error", (err: NodeJS.ErrnoException) =>
                reject(err.code === "ENOENT" ? new DevError("podman is not installed: apt-get install podman buildah runc catatonit (see docs/local.md)") : err),
            );
            child.once("close", (code) => (code === 0 ? resolve(stdout) : reject(new DevError(`podman ${args.slice(0, 3).join(" ")} failed: ${stderr.trim()}`))));
        });
    }

    async imageExists(ref: string): Promise<boolean> {
        return this.run(["image", "exists", ref]).then(
            () => true,
            () => false,
        );
    }

    async createNetwork(name: string): Promise<EngineNetwork> {
        await this.run(["network", "create", name]);
        const [info] = JSON.parse(await this.run(["network", "inspect", name])) as { subnets?: { subnet: string; gateway: string }[] }[];
        const subnet = info.subnets?.[0];
        if (!subnet) throw new DevError(`podman network ${name} has no subnet`);
        return { name, subnet: subnet.subnet, gateway: subnet.gateway };
    }

    async createSecret(secret: KubeObject): Promise<void> {
        // podman 4's kube play reads a secretKeyRef from a podman secret that holds the
        // Secret's `data` map as JSON, base64 values included.
        const stringData = (secret.stringData ?? {}) as Record<string, string>;
        const data = { ...(secret.data as Record<string, string> | undefined), ...Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v).toString("base64")])) };
        await this.withFile(JSON.stringify(data), (file) => this.run(["secret", "create", secret.metadata.name, file]));
    }

    async play(objects: readonly KubeObject[], network: string): Promise<string[]> {
        // JSON is YAML: one document per object.
        await this.withFile(objects.map((o) => JSON.stringify(o)).join("\n---\n"), (file) => this.run(["kube", "play", "--network", network, "--quiet", file]));
        return this.podsOn(network);
    }

    private async podsOn(network: string): Promise<string[]> {
        const pods = JSON.parse(await this.run(["pod", "ps", "--filter", `network=${network}`, "--format", "json"])) as { Name: string }[] | null;
        return (pods ?? []).map((p) => p.Name);
    }

    async container(pod: string, workload: Workload): Promise<{ name: string; ip: string }> {
        const name = `${pod}-${workload.container}`;
        const ip = (await this.run(["inspect", name, "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"])).trim();
        return { name, ip };
    }

    async logs(container: string, lines: number): Promise<string> {
        return this.run(["logs", "--tail", String(lines), container]).catch((err: Error) => err.message);
    }

    async remove(made: Made, graceSeconds: number): Promise<void> {
        // Also the pods of a play that failed half-way: every pod on this network is ours.
        const pods = [...new Set([...made.pods, ...(made.network ? await this.podsOn(made.network) : [])])];
        // One stop per pod, all at once, as a cluster deletes them: each drains on its own clock.
        await Promise.all(pods.map((pod) => this.run(["pod", "stop", "-t", String(graceSeconds), pod]).catch(() => undefined)));
        if (pods.length) await this.run(["pod", "rm", "-f", ...pods]);
        for (const secret of made.secrets) await this.run(["secret", "rm", secret]);
        if (made.network) await this.run(["network", "rm", made.network]);
    }
}

function defaultContainersConf(): string {
    return path.resolve(__dirname, "..", "..", "tools", "images", "containers.conf");
}

export interface ContainerStackOptions {
    /** JSON file with the rendered Deployments, Secrets and ConfigMaps (tools/dev.ts writes it). */
    readonly manifestFile: string;
    readonly split: ProductSplit;
    readonly host: string;
    readonly port: number;
    /** PostgreSQL's data directory parent for this mode. */
    readonly stateDir: string;
    readonly progress?: (line: string) => void;
    readonly random?: RandomSource;
    readonly readyTimeoutMs?: number;
    readonly engine?: ContainerEngine;
    readonly signal?: AbortSignal;
    /** Signs and verifies end-user tokens at the edge; a throwaway one when omitted. */
    readonly issuer?: DevIssuer;
    /** The stack's edge rate limit per client address; none when omitted. */
    readonly rateBudget?: RateBudget;
    /** The stack's route timeout per service (ms), enforced by the router. */
    readonly routeTimeoutMs?: Readonly<Partial<Record<ServiceName, number>>>;
}

/**
 * The edge's and the mesh's router options in container mode: the rules npm run dev's processes
 * get (stack.ts), so one edge answers alike in both modes. Above all the body limit: the router
 * answers an oversized body 413 itself, with the limit the pods run with, since a pod that
 * answers 413 mid-upload raced the router into 502 (passthrough.ts).
 */
export function containerRouting(
    options: Pick<ContainerStackOptions, "split" | "random" | "rateBudget" | "routeTimeoutMs">,
    objects: readonly KubeObject[],
    backendUrl: RouterOptions["backendUrl"],
    issuer: DevIssuer,
    faults: () => Faults,
) {
    const routing = { split: options.split, backendUrl, random: options.random, bodyLimitBytes: podBodyLimit(objects), routeTimeoutMs: options.routeTimeoutMs };
    // Faults apply to mesh callers only; the edge router strips their headers.
    return { edgeOptions: { ...routing, issuer, rateBudget: options.rateBudget, faults }, meshOptions: { ...routing, gate: faultGate(faults, options.random) } };
}

/** BODY_LIMIT_BYTES as the rendered Deployments set it (the services' default when none does); one value for the one router. */
function podBodyLimit(objects: readonly KubeObject[]): number {
    const values = new Set<string>();
    for (const object of objects.filter((o): o is Deployment => o.kind === "Deployment")) {
        for (const container of object.spec.template.spec.containers) {
            for (const env of container.env ?? []) if (env.name === "BODY_LIMIT_BYTES" && env.value !== undefined) values.add(env.value);
        }
    }
    if (values.size > 1) throw new DevError(`the rendered Deployments set BODY_LIMIT_BYTES to ${[...values].join(", ")}: the local edge needs one value`);
    return routerBodyLimit(values.values().next().value);
}

export interface RunningContainerStack extends RunningStack {
    readonly network: EngineNetwork;
    readonly made: Made;
    /** Container name and URL per Deployment. */
    readonly workloads: readonly (Workload & { readonly containerName: string; readonly url: string })[];
    readonly engine: ContainerEngine;
    readonly databaseUrl: string;
}

const drainGraceSeconds = 20;

/** The router's in-mesh port: cluster Services answer on port 80, so the pods' URLs carry none. */
function meshPort(plan: ContainerPlan): number {
    const urls = plan.play.flatMap((o) => (o.kind === "Deployment" ? JSON.stringify(o).match(/http:\/\/[a-z0-9.-]+\.svc\.cluster\.local(:\d+)?/g) ?? [] : []));
    const ports = new Set(urls.map((u) => Number(new URL(u).port || 80)));
    return ports.size === 1 ? [...ports][0] : 80;
}

async function prepareDatabase(admin: LocalPostgres, databaseUrl: string): Promise<void> {
    const url = new URL(databaseUrl);
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    const database = url.pathname.replace(/^\//, "") || user;
    const client = new pg.Client({ connectionString: admin.url });
    await client.connect();
    try {
        const role = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [user]);
        const verb = role.rowCount ? "ALTER" : "CREATE";
        await client.query(`${verb} ROLE ${client.escapeIdentifier(user)} LOGIN PASSWORD ${client.escapeLiteral(password)}`);
        const db = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
        if (!db.rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
        await client.query(`ALTER DATABASE ${client.escapeIdentifier(database)} OWNER TO ${client.escapeIdentifier(user)}`);
    } finally {
        await client.end();
    }
}

async function endClientConnections(adminUrl: string): Promise<void> {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
        await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()");
    } finally {
        await client.end();
    }
}

async function probeOk(url: string): Promise<boolean> {
    return fetch(url, { signal: AbortSignal.timeout(1_000) }).then(
        (res) => res.status === 200,
        () => false,
    );
}

export async function startContainerStack(options: ContainerStackOptions): Promise<RunningContainerStack> {
    const progress = options.progress ?? (() => undefined);
    const engine = options.engine ?? new Podman();
    const objects = JSON.parse(readFileSync(options.manifestFile, "utf8")) as KubeObject[];
    const made: Made = { secrets: [], pods: [] };
    let postgres: LocalPostgres | undefined;
    const routers: http.Server[] = [];
    const issuer = options.issuer ?? (await ephemeralDevIssuer());
    const byBackend = new Map<string, string>();
    const key = (service: string, version: string) => `${service}@${version}`;

    const stopEverything = async (): Promise<boolean> => {
        let clean = true;
        const started = performance.now();
        await engine.remove(made, drainGraceSeconds).then(
            () => made.pods.length && progress(`removed ${made.pods.length} pods, ${made.secrets.length} secrets and network ${made.network} in ${((performance.now() - started) / 1000).toFixed(1)} s`),
            (err: Error) => {
                clean = false;
                progress(err.message);
            },
        );
        await Promise.all(routers.map((router) => new Promise((resolve) => (router.close(resolve), router.closeAllConnections()))));
        if (postgres) {
            // Containers removed by force leave half-open connections behind (their network is
            // gone, no FIN ever comes): end them, or the server's smart shutdown waits for them.
            await endClientConnections(postgres.url).catch(() => undefined);
            const exit = await postgres.server.stop(30_000);
            if (exit.killed || exit.code !== 0) {
                clean = false;
                progress(`${postgres.server.describeExit()}. Last lines:\n${postgres.server.lastLines()}`);
            }
        }
        return clean;
    };

    try {
        const images = [...new Set(planContainers(objects, "0.0.0.0").workloads.map((w) => w.image))];
        const missing: string[] = [];
        for (const image of images) if (!(await engine.imageExists(image))) missing.push(image);
        if (missing.length) throw new DevError(`images not built: ${missing.join(", ")}. Build them with: npm run images -- --stack local (add --base offline without registry access)`);

        const network = await engine.createNetwork(`ecommerce-mesh-${process.pid}-${Date.now().toString(36)}`);
        made.network = network.name;
        const plan = planContainers(objects, network.gateway);
        progress(`network ${network.name} (${network.subnet}); ${plan.hostnames.join(", ")} → ${network.gateway}`);

        for (const secret of plan.secrets) {
            await engine.createSecret(secret);
            made.secrets.push(secret.metadata.name);
        }
        options.signal?.throwIfAborted();
        const pods = await engine.play(plan.play, network.name);
        made.pods.push(...pods);
        progress(`played ${plan.workloads.length} Deployments: ${pods.join(", ")}`);

        // The gateway address exists once the first pod joined the network: now the host's
        // side can listen on it. The pods wait for their database meanwhile, as in a cluster.
        const databasePort = Number(new URL(plan.databaseUrl).port || 5432);
        postgres = await startLocalPostgres(options.stateDir, progress, { addresses: [network.gateway], port: databasePort, hba: hbaLines(network.subnet) });
        await prepareDatabase(postgres, plan.databaseUrl);
        progress(`PostgreSQL on ${network.gateway}:${databasePort} and 127.0.0.1:${databasePort}`);

        const backendUrl = (backend: Backend) => byBackend.get(key(backend.service, backend.version ?? "v1"));
        let faults: Faults = {};
        const { edgeOptions, meshOptions } = containerRouting(options, objects, backendUrl, issuer, () => faults);
        // A stack file edit (promote --local) swaps the split and faults of both listeners.
        const reroute = (split: ProductSplit, newFaults: Faults) => {
            edgeOptions.split = meshOptions.split = split;
            faults = newFaults;
        };
        const edge = createEdgeRouter(edgeOptions);
        const mesh = createRouter(meshOptions);
        routers.push(edge, mesh);
        const routerUrl = await listenRouter(edge, options.port, options.host);
        await listenRouter(mesh, meshPort(plan), network.gateway);


        const workloads = await Promise.all(
            plan.workloads.map(async (workload) => {
                const pod = pods.find((p) => p.startsWith(`${workload.name}-pod`));
                if (!pod) throw new DevError(`podman made no pod for Deployment ${workload.name}`);
                const { name, ip } = await engine.container(pod, workload);
                const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
                for (const probe of workload.probes) {
                    while (!(await probeOk(`http://${ip}:${probe.port}${probe.path}`))) {
                        options.signal?.throwIfAborted();
                        if (Date.now() > deadline) {
                            throw new DevError(`${workload.name}: ${probe.kind} probe ${probe.path} on port ${probe.port} not 200 in time. Last lines:\n${await engine.logs(name, 20)}`);
                        }
                        await new Promise((resolve) => setTimeout(resolve, 250));
                    }
                }
                const url = `http://${ip}:${workload.servingPort}`;
                byBackend.set(key(workload.service, workload.version), url);
                progress(`${workload.name} ready (${name}, ${url})`);
                return { ...workload, containerName: name, url };
            }),
        );
        return { routerUrl, issuer, instances: [], reroute, stop: stopEverything, network, made, workloads, engine, databaseUrl: postgres.url };
    } catch (err) {
        await stopEverything();
        throw err;
    }
}

function hbaLines(subnet: string): string[] {
    // The admin connects over loopback (trust, as the plain dev mode does); pods must use the
    // Secret's password.
    return ["local all all trust", "host all all 127.0.0.1/32 trust", `host all all ${subnet} scram-sha-256`];
}
