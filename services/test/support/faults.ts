// Fault injection for the order flow, with real services and real PostgreSQL, no mocks:
// order replicas (in-process, or child processes that can be SIGKILLed) reach their
// downstreams through a gate that can fail a step or lose its answer after it ran; a table
// lock holds a step in the database; prices change between attempts. checkInvariants reads
// the database, never the responses, against services/README.md's money invariants
// (loadgen/invariants.ts, which loadgen checks after a run too).
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import pg from "pg";
import { accountedStock, checkInvariants as sharedCheck } from "../../loadgen/invariants";
import { loadConfig, serviceNames, startService, urlVariable, downstreamsOf, type RunningService } from "../../src/index";
import { createTestDatabase, queryDatabase } from "./database";
import { get } from "./http";
import { startStack, testEnv, type Env, type TestStack } from "./services";
import { runFromSources } from "../../dev/typescript";

/** The order workflow's calls, as the gate tells them apart. */
export type Step = "user" | "product" | "reserve" | "release" | "consume" | "charge" | "refund" | "ship" | "notify";

export function stepOf(method: string, path: string): Step {
    if (path.startsWith("/api/users/")) return "user";
    if (path.startsWith("/api/products/")) return "product";
    if (path === "/api/inventory/reservations") return "reserve";
    if (path.endsWith("/consume")) return "consume";
    if (path.startsWith("/api/inventory/reservations/") && method === "DELETE") return "release";
    if (path === "/api/payments/refunds") return "refund";
    if (path === "/api/payments") return "charge";
    if (path === "/api/shipments") return "ship";
    if (path === "/api/notifications") return "notify";
    throw new Error(`the gate does not know ${method} ${path}`);
}

/**
 * What the gate does to a step: `fail` answers 503 without forwarding (an outage); `lose`
 * forwards, lets the step run, then answers 503 as if the answer was lost; `after` runs once
 * the real answer is back and before it is passed on (e.g. to kill the caller).
 */
export type Fault = { kind: "fail" } | { kind: "lose" } | { kind: "after"; run: () => void | Promise<void> };

const targetOf: Record<Step, "user" | "product" | "inventory" | "payment" | "shipping" | "notification"> = {
    user: "user",
    product: "product",
    reserve: "inventory",
    release: "inventory",
    consume: "inventory",
    charge: "payment",
    refund: "payment",
    ship: "shipping",
    notify: "notification",
};

export class FaultWorld {
    readonly faults = new Map<Step, Fault>();
    /** Calls that reached the gate, per step. */
    readonly calls = new Map<Step, number>();
    readonly orders: RunningService[] = [];
    private readonly children = new Set<ChildProcess>();
    private gate!: Server;
    gateUrl = "";
    initialStock = new Map<string, number>();

    private constructor(
        readonly databaseUrl: string,
        readonly stack: TestStack,
    ) {}

    /** Every service but order, a gate in front of them, and the stock as it starts. */
    static async start(env: Env = {}): Promise<FaultWorld> {
        const databaseUrl = (await createTestDatabase()).url;
        const stack = await startStack(databaseUrl, serviceNames.filter((name) => name !== "order"), env);
        const world = new FaultWorld(databaseUrl, stack);
        await world.listen();
        world.initialStock = await stockOf(databaseUrl);
        return world;
    }

    private async listen(): Promise<void> {
        this.gate = createServer((request, response) => {
            let body = "";
            request.on("data", (chunk) => (body += chunk));
            request.on("end", async () => {
                const step = stepOf(request.method!, request.url!);
                this.calls.set(step, (this.calls.get(step) ?? 0) + 1);
                const fault = this.faults.get(step);
                if (fault?.kind === "fail") return void response.writeHead(503, { "content-type": "text/plain" }).end("no healthy upstream");
                const headers: Record<string, string> = {};
                for (const [name, value] of Object.entries(request.headers)) if (typeof value === "string" && name !== "host" && name !== "content-length") headers[name] = value;
                try {
                    const forwarded = await fetch(`${this.stack.url(targetOf[step])}${request.url}`, { method: request.method, headers, body: body || undefined });
                    const text = await forwarded.text();
                    if (fault?.kind === "after") await fault.run();
                    if (fault?.kind === "lose") return void response.writeHead(503, { "content-type": "text/plain" }).end("upstream reset");
                    response.writeHead(forwarded.status, { "content-type": "application/json" }).end(text);
                } catch {
                    response.destroy();
                }
            });
        });
        this.gate.listen(0, "127.0.0.1");
        await once(this.gate, "listening");
        this.gateUrl = `http://127.0.0.1:${(this.gate.address() as AddressInfo).port}`;
    }

    /** Order's environment: every downstream through the gate. */
    orderEnv(env: Env = {}): Env {
        const urls = Object.fromEntries(downstreamsOf.order.map((name) => [urlVariable(name), this.gateUrl]));
        return testEnv("order", this.databaseUrl, { ...urls, ...env });
    }

    /** An in-process order replica. */
    async startOrder(env: Env = {}): Promise<RunningService> {
        const replica = await startService(loadConfig(this.orderEnv(env)));
        this.orders.push(replica);
        return replica;
    }

    /** An order replica in its own process, for a SIGKILL; resolves once it is ready. */
    async spawnOrder(env: Env = {}): Promise<{ url: string; kill: () => Promise<void> }> {
        const port = await freePort();
        const child = spawn(process.execPath, [...runFromSources, join(__dirname, "../../src/main.ts")], {
            cwd: join(__dirname, "../.."),
            env: { PATH: process.env.PATH, ...this.orderEnv({ ...env, PORT: String(port) }) },
            stdio: "ignore",
        });
        this.children.add(child);
        const url = `http://127.0.0.1:${port}`;
        const deadline = Date.now() + 60_000;
        for (;;) {
            if (child.exitCode !== null) throw new Error(`order exited with ${child.exitCode} while starting`);
            const ready = await get(`${url}/health/ready`).catch(() => undefined);
            if (ready?.status === 200) break;
            if (Date.now() > deadline) throw new Error("order did not get ready in 60 s");
            await sleep(100);
        }
        const kill = async () => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            const exited = once(child, "exit");
            child.kill("SIGKILL");
            await exited;
            this.children.delete(child);
        };
        return { url, kill };
    }

    /** Holds `LOCK TABLE <table> IN <mode> MODE` until the returned function is called. */
    async holdLock(table: string, mode: string): Promise<() => Promise<void>> {
        const client = new pg.Client({ connectionString: this.databaseUrl });
        await client.connect();
        await client.query("BEGIN");
        await client.query(`LOCK TABLE ${table} IN ${mode} MODE`);
        return async () => {
            await client.query("COMMIT");
            await client.end();
        };
    }

    /** Changes a price in the catalogue and waits until product serves it (its cache reloads on NOTIFY). */
    async setPrice(productId: string, price: number): Promise<void> {
        await queryDatabase(this.databaseUrl, "UPDATE product.products SET price = $2 WHERE id = $1", [productId, price]);
        await until(async () => (await get(`${this.stack.url("product")}/api/products/${productId}`)).body.product.price === price, `product ${productId} at ${price}`);
    }

    query(sql: string, params: unknown[] = []) {
        return queryDatabase(this.databaseUrl, sql, params);
    }

    async statusOf(orderId: string): Promise<string> {
        return (await this.query(`SELECT status FROM "order".orders WHERE id = $1`, [orderId]))[0].status;
    }

    /** Waits until no order is pending (the sweeper or a retry finished them all). */
    async settled(timeoutMs = 30_000): Promise<void> {
        await until(async () => (await this.query(`SELECT count(*)::int AS n FROM "order".orders WHERE status = 'pending'`))[0].n === 0, "every order settled", timeoutMs);
    }

    /** The money invariants, read from the database; an empty list when they all hold. */
    async violations(): Promise<string[]> {
        return checkInvariants(this.databaseUrl, this.initialStock);
    }

    async stop(): Promise<void> {
        for (const child of this.children) child.kill("SIGKILL");
        await Promise.all(this.orders.map((replica) => replica.close()));
        await this.stack.stop();
        this.gate?.close();
    }
}

/** The money invariants, as loadgen checks them after a run: one copy (loadgen/invariants.ts). */
export { invariantChecks } from "../../loadgen/invariants";

/** Every invariant's rows that break it, by name; empty when all hold. */
export function checkInvariants(databaseUrl: string, initialStock: ReadonlyMap<string, number>): Promise<string[]> {
    return sharedCheck((sql) => queryDatabase(databaseUrl, sql), initialStock);
}

/** Stock accounted for per product (on hand + reserved + sold), e.g. before a scenario starts. */
export function stockOf(databaseUrl: string): Promise<Map<string, number>> {
    return accountedStock((sql) => queryDatabase(databaseUrl, sql));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(50);
    }
}

async function freePort(): Promise<number> {
    const probe = createServer();
    probe.listen(0, "127.0.0.1");
    await once(probe, "listening");
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    return port;
}
