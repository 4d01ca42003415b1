// `npm run bench [-- --duration <s> --connections <n> --services-dir <dir>]`: throughput and
// latency of GET /api/products and POST /api/orders, directly on the service and through the
// dev router (all services and a throwaway PostgreSQL running), each next to a bare node:http
// server returning the same JSON; order's CPU time per order; every service's idle RSS.
import { randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { UsageError } from "../dev/errors";
import type { Child } from "../dev/child";
import { openDevIssuer } from "../dev/issuer";
import { launchTs } from "../dev/launch";
import { freePort } from "../dev/ports";
import { formatTable } from "../loadgen/table";
import { subjectHeader } from "../src/runtime/api-surface";
import type { CannedAnswer } from "./bare";
import { measure, type BenchCase, type Measurement } from "./measure";
import { cpuMs, resident, type Resident } from "./proc";

const usage =
    "usage: npm run bench [-- --duration <seconds per case, 1-120, default 10>] [--connections <1-256, default 10>] [--services-dir <a built services package, default this one>]";
const order = JSON.stringify({ userId: "1", items: [{ productId: "1", price: 999, quantity: 1 }] });

function options(): { durationSeconds: number; connections: number; servicesDir: string } {
    let values;
    try {
        ({ values } = parseArgs({
            options: { duration: { type: "string", default: "10" }, connections: { type: "string", default: "10" }, "services-dir": { type: "string" } },
        }));
    } catch (err) {
        throw new UsageError((err as Error).message);
    }
    const durationSeconds = Number(values.duration);
    const connections = Number(values.connections);
    if (!Number.isInteger(durationSeconds) || durationSeconds < 1 || durationSeconds > 120) throw new UsageError(`bad --duration "${values.duration}"`);
    if (!Number.isInteger(connections) || connections < 1 || connections > 256) throw new UsageError(`bad --connections "${values.connections}"`);
    // Another checkout's services (e.g. the commit before a change), run by this benchmark.
    const servicesDir = path.resolve(process.env.INIT_CWD ?? process.cwd(), values["services-dir"] ?? path.join(__dirname, ".."));
    if (!existsSync(path.join(servicesDir, "dev", "main.ts")) || !existsSync(path.join(servicesDir, "dist", "main.js"))) {
        throw new UsageError(`--services-dir ${servicesDir}: not a built services package (needs dev/main.ts and dist/main.js)`);
    }
    return { durationSeconds, connections, servicesDir };
}

interface Started {
    readonly name: string;
    readonly url: string;
    readonly pid: number;
}

/** Idle resident memory of every service process, after a few quiet seconds. */
async function idleRss(instances: readonly Started[]): Promise<Map<string, Resident | undefined>> {
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    return new Map(instances.map((i) => [i.name, resident(i.pid)]));
}

/** One real answer, to serve the same bytes from the bare server. */
async function sample(url: string, init: RequestInit): Promise<CannedAnswer> {
    const res = await fetch(url, init);
    const body = await res.text();
    if (!res.ok) throw new Error(`sampling ${url} failed: ${res.status} ${body}`);
    return { status: res.status, body };
}

// autocannon records latency in whole milliseconds, so 0 means "under 1 ms".
const latency = (ms: number) => (ms < 1 ? "<1" : String(ms));

function ratioLine(service: Measurement, bare: Measurement): string {
    const ratio = service.requestsPerSecond / bare.requestsPerSecond;
    return `${service.name}: ${(ratio * 100).toFixed(1)}% of bare node:http throughput (${(1 / ratio).toFixed(1)}× slower), ` +
        `p50 ${latency(service.p50Ms)} ms vs ${latency(bare.p50Ms)} ms`;
}

const mb = (value: number | undefined) => (value === undefined ? "n/a" : value.toFixed(0));

async function main(): Promise<void> {
    const { durationSeconds, connections, servicesDir } = options();
    const scratch = mkdtempSync(path.join(os.tmpdir(), "ecommerce-bench-"));
    chmodSync(scratch, 0o755); // The postgres OS user must reach the cluster inside it.
    const children: Child[] = [];
    const cleanUp = async () => {
        await Promise.all(children.map((child) => child.stop(30_000)));
        rmSync(scratch, { recursive: true, force: true });
    };
    const interrupted = () => void cleanUp().then(() => process.exit(130));
    process.once("SIGINT", interrupted);
    process.once("SIGTERM", interrupted);
    try {
        process.stderr.write(`bench: starting PostgreSQL, the services (${servicesDir}) and the router\n`);
        const port = await freePort();
        // Orders need user 1's token: a throwaway issuer that the dev stack trusts for this run.
        const issuerDir = path.join(scratch, "issuer");
        const user1 = { authorization: `Bearer ${await (await openDevIssuer(issuerDir)).mint("1")}` };
        const instances: Started[] = [];
        const stack = launchTs(
            "dev stack",
            path.join(servicesDir, "dev", "main.ts"),
            // No simulated payment failures, quiet logs and no DEV_RATE_LIMIT: measure the request
            // path, not error handling, log volume or the edge rate limit (a token bucket per client).
            { PORT: String(port), DEV_STATE_DIR: path.join(scratch, "pg"), DEV_ISSUER_DIR: issuerDir, PAYMENT_FAILURE_RATE: "0", LOG_LEVEL: "warn" },
            /ready on (http:\/\/\S+)/,
            120_000,
            (line) => {
                // The dev stack's progress names each service's own address and pid.
                const started = /starting (.+) on (http:\/\/\S+) \(pid (\d+)\)/.exec(line);
                if (started) instances.push({ name: started[1], url: started[2], pid: Number(started[3]) });
            },
        );
        children.push(stack.child);
        const router = (await stack.ready)[1];
        const direct = (name: string) => {
            const found = instances.find((i) => i.name === name);
            if (!found) throw new Error(`the dev stack did not say where ${name} listens`);
            return found;
        };
        const rssAtStart = await idleRss(instances);
        const products = await sample(`${router}/api/products`, { headers: { "x-version": "v1" } });
        // POST /api/orders needs an Idempotency-Key (400 without): the sample is a real 201.
        const placed = await sample(`${router}/api/orders`, { method: "POST", headers: { "content-type": "application/json", "idempotency-key": randomUUID(), ...user1 }, body: order });
        const bare = launchTs(
            "bare node:http",
            "bench/bare.ts",
            { BENCH_ANSWERS: JSON.stringify({ "/api/products": products, "/api/orders": placed }) },
            /listening on (http:\/\/\S+)/,
            30_000,
        );
        children.push(bare.child);
        const bareUrl = (await bare.ready)[1];
        const orderService = direct("order");

        const cases: (BenchCase & { cpuOf?: Started })[] = [
            { name: "GET /api/products, bare node:http", url: `${bareUrl}/api/products`, method: "GET" },
            { name: "GET /api/products, product v1 direct", url: `${direct("product v1").url}/api/products`, method: "GET" },
            { name: "GET /api/products via router", url: `${router}/api/products`, method: "GET" },
            { name: "POST /api/orders, bare node:http", url: `${bareUrl}/api/orders`, method: "POST", body: order },
            { name: "POST /api/orders, order direct", url: `${orderService.url}/api/orders`, method: "POST", body: order, headers: { [subjectHeader]: "1" }, uniqueIdempotencyKey: true, cpuOf: orderService },
            { name: "POST /api/orders via router", url: `${router}/api/orders`, method: "POST", body: order, headers: user1, uniqueIdempotencyKey: true, cpuOf: orderService },
        ];
        const results: (Measurement & { cpuPerRequestMs?: number })[] = [];
        for (const bench of cases) {
            process.stderr.write(`bench: ${bench.name} for ${durationSeconds}s with ${connections} connections\n`);
            const cpuBefore = bench.cpuOf && cpuMs(bench.cpuOf.pid);
            const result = await measure(bench, durationSeconds, connections);
            const cpuAfter = bench.cpuOf && cpuMs(bench.cpuOf.pid);
            const answered = result.requests - result.non2xx;
            const cpuPerRequestMs = cpuBefore !== undefined && cpuAfter !== undefined && answered > 0 ? (cpuAfter - cpuBefore) / answered : undefined;
            results.push({ ...result, cpuPerRequestMs });
        }
        const rssAfterRun = await idleRss(instances);

        const rows = results.map((m) => [
            m.name,
            m.requestsPerSecond.toFixed(0),
            latency(m.p50Ms),
            latency(m.p99Ms),
            String(m.requests),
            String(m.non2xx),
            String(m.errors),
            m.cpuPerRequestMs === undefined ? "" : m.cpuPerRequestMs.toFixed(1),
        ]);
        process.stdout.write(`${formatTable(["case", "req/s", "p50 ms", "p99 ms", "requests", "non-2xx", "errors", "order CPU ms/req"], rows)}\n\n`);
        process.stdout.write(`${[1, 2, 4, 5].map((i) => ratioLine(results[i], results[i < 4 ? 0 : 3])).join("\n")}\n\n`);
        const memoryRows = instances.map((i) => [
            i.name,
            mb(rssAtStart.get(i.name)?.rssMb),
            mb(rssAtStart.get(i.name)?.anonMb),
            mb(rssAfterRun.get(i.name)?.rssMb),
            mb(rssAfterRun.get(i.name)?.anonMb),
        ]);
        const memoryColumns = ["service", "idle RSS MB after start", "of it private", "idle RSS MB after the run", "of it private"];
        process.stdout.write(`${formatTable(memoryColumns, memoryRows)}\n`);
        process.stdout.write("(private: the process's own pages, RssAnon; the rest is mostly the node binary, shared by all of them)\n\n");
        process.stdout.write(`(${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}; autocannon, router, services and PostgreSQL all share them)\n`);
    } finally {
        await cleanUp();
    }
}

main().catch((err) => {
    if (err instanceof UsageError) {
        process.stderr.write(`bench: ${err.message}\n${usage}\n`);
        process.exit(2);
    }
    process.stderr.write(`bench: ${err?.message ?? err}\n`);
    process.exit(1);
});
