// The local stack's Deployments, as the program renders them, run in podman behind the dev
// router (npm run dev -- --containers): they start under their securityContext, read the
// Secret, answer their probes, take an order end to end, keep data across an engine restart,
// migrate once when two replicas race, and stop on SIGTERM in every phase.
import { expect } from "chai";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { migrations as inventoryMigrations } from "../../services/src/inventory/migrations";
import { secretValue, type KubeObject } from "../../services/dev/container-manifests";
import { startContainerStack, type RunningContainerStack } from "../../services/dev/containers";
import { engineEnv, run } from "../../tools/images/engine";
import { productSplitFromStack } from "../../tools/dev";
import { renderWorkloads } from "../../tools/render/workloads";
import { builtImages } from "./images.hook";

const projectDir = path.resolve(__dirname, "..", "..");
// pg belongs to the services package; the root has no copy of its own.
interface PgClient {
    connect(): Promise<void>;
    query(sql: string): Promise<{ rows: unknown[] }>;
    end(): Promise<void>;
}
const pg = createRequire(path.join(projectDir, "services", "package.json"))("pg") as { Client: new (config: { connectionString: string }) => PgClient };
// The engine runner reads megabytes: a product container logs every request, and a fast machine's
// load test writes more than execFileSync's default 1 MiB (ENOBUFS).
const podman = (...args: string[]) => run("podman", args);
const podmanAsync = async (...args: string[]) => (await promisify(execFile)("podman", args, { env: engineEnv(), encoding: "utf8" })).stdout;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function status(url: string, init?: RequestInit): Promise<number> {
    return fetch(url, { ...init, signal: AbortSignal.timeout(3_000) }).then((res) => res.status, () => 0);
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
        await sleep(250);
    }
}

/**
 * SIGTERM to the container's PID 1, as the runtime delivers a pod's stop, then the exit as
 * the engine recorded it: the seconds from the signal to the exit, and the exit code. (The
 * podman CLI itself can take seconds to start on a loaded machine; that is not the image's.)
 */
async function terminate(name: string): Promise<{ seconds: number; exitCode: number }> {
    const pid = Number(podman("inspect", name, "--format", "{{.State.Pid}}").trim());
    const sentAt = Date.now();
    process.kill(pid, "SIGTERM");
    // Asynchronously: under load the clients in this process must keep running meanwhile.
    const exitCode = Number((await podmanAsync("wait", name)).trim());
    const [{ State }] = JSON.parse(podman("inspect", name)) as { State: { FinishedAt: string } }[];
    return { seconds: (Date.parse(State.FinishedAt) - sentAt) / 1000, exitCode };
}

/** Customer routes need a token from the issuer the edge trusts, as through the gateway. */
async function asUser1(stack: RunningContainerStack): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await stack.issuer.mint("1")}` };
}

const orderBody = JSON.stringify({ userId: "1", items: [{ productId: "1", price: 999, quantity: 1 }] });

/** The testing guide's order; payment declines PAYMENT_FAILURE_RATE of charges, so a declined one is placed again. */
async function placeOrder(stack: RunningContainerStack, key: string): Promise<{ status: number; body: { orderId: string; status: string } }> {
    for (let attempt = 1; ; attempt++) {
        const headers = { "content-type": "application/json", "idempotency-key": `${key}-${attempt}`, ...(await asUser1(stack)) };
        const res = await fetch(`${stack.routerUrl}/api/orders`, { method: "POST", headers, body: orderBody });
        const answer = { status: res.status, body: (await res.json()) as { orderId: string; status: string } };
        if (answer.status !== 402 || attempt === 10) return answer;
    }
}

describe("the local stack in containers (npm run dev -- --containers)", function () {
    this.timeout(180_000);
    let stack: RunningContainerStack;
    let renderedObjects: KubeObject[];
    let renderedDeployments: Record<string, any>[];
    const sentinel = `ecommerce-mesh-sentinel-${process.pid}`;

    before(async function () {
        this.timeout(300_000);
        expect(builtImages.size, "images built by the hook").to.equal(8);
        // Something of the user's on the same engine, which the stop must leave alone.
        podman("network", "create", sentinel);
        const objects = (await renderWorkloads(projectDir, "local")) as KubeObject[];
        renderedObjects = objects;
        renderedDeployments = objects.filter((o) => o.kind === "Deployment");
        const dir = mkdtempSync(path.join(os.tmpdir(), "ecommerce-mesh-containers-"));
        chmodSync(dir, 0o755); // PostgreSQL runs as its own OS user and must reach pg/ below.
        const manifestFile = path.join(dir, "local-workloads.json");
        writeFileSync(manifestFile, JSON.stringify(objects), { mode: 0o600 });
        const started = performance.now();
        stack = await startContainerStack({
            manifestFile,
            split: productSplitFromStack("local"),
            host: "127.0.0.1",
            port: 0,
            stateDir: path.join(dir, "pg"),
            progress: (line) => process.stderr.write(`  containers: ${line}\n`),
        });
        process.stderr.write(`  containers: the whole local stack was ready ${((performance.now() - started) / 1000).toFixed(1)} s after the start\n`);
    });

    after(async function () {
        this.timeout(120_000);
        try {
            if (stack) {
                expect(await stack.stop(), "clean stop").to.equal(true);
                const left = podman("ps", "-a", "--filter", `network=${stack.network.name}`, "--format", "{{.Names}}").trim();
                expect(left, "containers left").to.equal("");
                expect(podman("network", "ls", "--format", "{{.Name}}").split("\n")).to.include(sentinel).and.not.include(stack.network.name);
                expect(podman("secret", "ls", "--format", "{{.Name}}").trim(), "secrets left").to.equal("");
            }
        } finally {
            podman("network", "rm", sentinel);
        }
    });

    it("runs every rendered Deployment with its securityContext, env and secretKeyRef, and answers its probes", async () => {
        expect(stack.workloads.map((w) => w.name).sort()).to.deep.equal(renderedDeployments.map((d) => d.metadata.name).sort());
        for (const workload of stack.workloads) {
            const rendered = renderedDeployments.find((d) => d.metadata.name === workload.name)!;
            const container = rendered.spec.template.spec.containers[0];
            const [info] = JSON.parse(podman("inspect", workload.containerName));
            expect(info.Config.User, `${workload.name} user`).to.match(/^10001(:10001)?$/);
            expect(info.HostConfig.ReadonlyRootfs, `${workload.name} read-only root`).to.equal(container.securityContext.readOnlyRootFilesystem);
            expect(info.EffectiveCaps ?? [], `${workload.name} capabilities`).to.deep.equal([]);
            expect(info.ImageName, `${workload.name} image`).to.equal(container.image);
            const env = new Map<string, string>((info.Config.Env as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
            for (const variable of container.env) {
                if (variable.value !== undefined) expect(env.get(variable.name), `${workload.name} ${variable.name}`).to.equal(variable.value);
            }
            const secretUrl = renderedDatabaseUrl();
            expect(podman("exec", workload.containerName, "node", "-e", "process.stdout.write(process.env.DATABASE_URL)"), `${workload.name} DATABASE_URL from the Secret`).to.equal(secretUrl);
            for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
                const { path: probePath, port } = container[probe].httpGet;
                const number = typeof port === "number" ? port : container.ports.find((p: { name: string }) => p.name === port).containerPort;
                expect(await status(`http://${info.NetworkSettings.Networks[stack.network.name].IPAddress}:${number}${probePath}`), `${workload.name} ${probe}`).to.equal(200);
            }
        }
    });

    /** DATABASE_URL as the rendered Secret holds it. */
    function renderedDatabaseUrl(): string {
        const ref = renderedDeployments[0].spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === "DATABASE_URL").valueFrom.secretKeyRef;
        const secret = renderedObjects.find((o) => o.kind === "Secret" && o.metadata.name === ref.name)!;
        return secretValue(secret, ref.key)!;
    }

    it("takes the testing guide's order across the containers and reads it back by id", async () => {
        const placed = await placeOrder(stack, `containers-${process.pid}`);
        expect(placed.status, JSON.stringify(placed.body)).to.equal(201);
        expect(placed.body.status).to.equal("confirmed");
        const read = await fetch(`${stack.routerUrl}/api/orders/${placed.body.orderId}`, { headers: await asUser1(stack) });
        expect(read.status).to.equal(200);
        expect(await read.json()).to.include({ orderId: placed.body.orderId, status: "confirmed", total: 999, userId: "1" });
    });

    it("keeps the confirmed orders when the order container dies and the engine restarts it", async () => {
        const placed = await placeOrder(stack, `before-kill-${process.pid}`);
        expect(placed.status).to.equal(201);
        const order = stack.workloads.find((w) => w.service === "order")!;
        const restarts = () => Number(podman("inspect", order.containerName, "--format", "{{.RestartCount}}").trim());
        const before = restarts();
        // A crash, not a stop: `podman kill` counts as the user's stop and is never restarted.
        process.kill(Number(podman("inspect", order.containerName, "--format", "{{.State.Pid}}").trim()), "SIGKILL");
        await until("the engine restarts the order container", async () => restarts() > before);
        await until("order ready again", async () => (await status(`${order.url}/health/ready`)) === 200);
        const read = await fetch(`${stack.routerUrl}/api/orders/${placed.body.orderId}`, { headers: await asUser1(stack) });
        expect(read.status).to.equal(200);
        expect(await read.json()).to.include({ orderId: placed.body.orderId, status: "confirmed" });
    });

    it("starts two replicas at the same moment on an empty database: both ready, each migration applied once", async () => {
        const admin = new pg.Client({ connectionString: stack.databaseUrl });
        await admin.connect();
        const database = `replicas_${process.pid}`;
        const url = new URL(renderedDatabaseUrl());
        await admin.query(`CREATE DATABASE ${database} OWNER ${url.username}`);
        url.pathname = `/${database}`;
        const image = builtImages.get("inventory")!.ref;
        const names = [1, 2].map((n) => `ecommerce-mesh-replica-${n}-${process.pid}`);
        const args = (name: string) => [
            "run", "-d", "--name", name, "--network", stack.network.name, "--read-only", "--tmpfs", "/tmp", "--user", "10001:10001",
            "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--add-host", `${url.hostname}:${stack.network.gateway}`,
            "-e", `DATABASE_URL=${url}`, image,
        ];
        try {
            // Both created first, then started by one command: as close to the same moment as the engine allows.
            for (const name of names) podman("create", ...args(name).slice(2).filter((a) => a !== "-d"));
            podman("start", ...names);
            const ips = names.map((name) => podman("inspect", name, "--format", `{{(index .NetworkSettings.Networks "${stack.network.name}").IPAddress}}`).trim());
            await Promise.all(ips.map((ip) => until(`replica ${ip} ready`, async () => (await status(`http://${ip}:8080/health/ready`)) === 200)));
            const applied = names.flatMap((name) => podman("logs", name).split("\n").filter((line) => line.includes('"migration applied"')));
            expect(applied.length, "migrations applied across both replicas").to.equal(inventoryMigrations.length);
            const db = new pg.Client({ connectionString: stack.databaseUrl.replace(/\/[^/]*$/, `/${database}`) });
            await db.connect();
            const rows = await db.query("SELECT version, count(*)::int AS n FROM inventory.schema_migrations GROUP BY version ORDER BY version");
            await db.end();
            expect(rows.rows).to.deep.equal(inventoryMigrations.map((m) => ({ version: m.version, n: 1 })));
        } finally {
            podman("rm", "-f", ...names);
            await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
            await admin.end();
        }
    });

    describe("SIGTERM stops a container within 10 s", () => {
        /** A product container on the stack's network and database, with the rendered securityContext. */
        async function startProduct(label: string): Promise<{ name: string; url: string }> {
            const name = `ecommerce-mesh-${label}-${process.pid}`;
            const db = new URL(renderedDatabaseUrl());
            podman(
                "run", "-d", "--name", name, "--network", stack.network.name, "--read-only", "--tmpfs", "/tmp", "--user", "10001:10001",
                "--cap-drop", "ALL", "--add-host", `${db.hostname}:${stack.network.gateway}`, "-e", `DATABASE_URL=${db}`, builtImages.get("product")!.ref,
            );
            const ip = podman("inspect", name, "--format", `{{(index .NetworkSettings.Networks "${stack.network.name}").IPAddress}}`).trim();
            const url = `http://${ip}:8080`;
            await until(`${name} ready`, async () => (await status(`${url}/health/ready`)) === 200);
            return { name, url };
        }

        it("while it waits for its database", async () => {
            const name = `ecommerce-mesh-waiting-${process.pid}`;
            const url = new URL(renderedDatabaseUrl());
            url.port = "1"; // Nothing listens there: the migrations wait.
            podman("run", "-d", "--name", name, "--network", stack.network.name, "--read-only", "--tmpfs", "/tmp", "--add-host", `${url.hostname}:${stack.network.gateway}`, "-e", `DATABASE_URL=${url}`, builtImages.get("product")!.ref);
            try {
                const ip = podman("inspect", name, "--format", `{{(index .NetworkSettings.Networks "${stack.network.name}").IPAddress}}`).trim();
                await until("live", async () => (await status(`http://${ip}:8080/health/live`)) === 200);
                expect(await status(`http://${ip}:8080/health/startup`)).to.equal(503);
                const stopped = await terminate(name);
                expect(stopped.exitCode).to.equal(0);
                expect(stopped.seconds).to.be.below(10);
            } finally {
                podman("rm", "-f", name);
            }
        });

        it("while idle", async () => {
            const { name } = await startProduct("idle");
            try {
                const stopped = await terminate(name);
                expect(stopped.exitCode).to.equal(0);
                expect(stopped.seconds).to.be.below(10);
            } finally {
                podman("rm", "-f", name);
            }
        });

        it("under load, with no request lost", async () => {
            const product = await startProduct("load");
            try {
                await stopUnderLoad(product);
            } finally {
                // Left on the stack's network, it would keep the stack's stop from removing it.
                podman("rm", "-f", product.name);
            }
        });

        async function stopUnderLoad(product: { name: string; url: string }): Promise<void> {
            const outcomes: { ok: boolean; detail: string; at: number }[] = [];
            let sending = true;
            const client = async () => {
                while (sending) {
                    const at = performance.now();
                    const res = await fetch(`${product.url}/api/products`, { signal: AbortSignal.timeout(10_000) }).then(
                        async (r) => ({ ok: r.status === 200 && Array.isArray(((await r.json()) as { products?: unknown }).products), detail: String(r.status) }),
                        (err: Error) => ({ ok: false, detail: err.message }),
                    );
                    outcomes.push({ ...res, at });
                }
            };
            const clients = Promise.all(Array.from({ length: 8 }, client));
            let sigtermAt: number;
            let stopping: ReturnType<typeof terminate>;
            try {
                await sleep(1_000);
                sigtermAt = performance.now();
                stopping = terminate(product.name);
                stopping.catch(() => undefined); // awaited below, unless the wait for not-ready fails first
                // As the mesh does: stop sending once the endpoint is not ready, within the shutdown delay.
                await until("not ready", async () => (await status(`${product.url}/health/ready`)) !== 200, 5_000);
                await sleep(500);
            } finally {
                // Also on a failure: clients left sending would spin on errors for the rest of the suite.
                sending = false;
                await clients;
            }
            const stopped = await stopping;
            expect(outcomes.filter((o) => !o.ok).map((o) => o.detail), "requests lost").to.deep.equal([]);
            expect(outcomes.filter((o) => o.at > sigtermAt).length, "requests sent after SIGTERM").to.be.greaterThan(0);
            const shutdown = podman("logs", product.name).split("\n").filter((line) => /stop requested|shutting down|"stopped"/.test(line)).join("\n");
            expect(stopped.exitCode, shutdown).to.equal(0);
            expect(stopped.seconds, shutdown).to.be.below(10);
        }
    });
});
