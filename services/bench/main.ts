// `npm run bench [-- --duration <s> --connections <n>]`: throughput and latency of
// GET /api/products and POST /api/orders through the dev router (all services and a
// throwaway PostgreSQL running), each next to a bare node:http server returning the same JSON.
import { mkdtempSync, rmSync, chmodSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { UsageError } from "../dev/errors";
import type { Child } from "../dev/child";
import { openDevIssuer } from "../dev/issuer";
import { launchTs } from "../dev/launch";
import { freePort } from "../dev/ports";
import { formatTable } from "../loadgen/table";
import type { CannedAnswer } from "./bare";
import { measure, type BenchCase, type Measurement } from "./measure";

const usage = "usage: npm run bench [-- --duration <seconds per case, 1-120, default 10>] [--connections <1-256, default 10>]";
const order = JSON.stringify({ userId: "1", items: [{ productId: "1", price: 999, quantity: 1 }] });

function options(): { durationSeconds: number; connections: number } {
    let values;
    try {
        ({ values } = parseArgs({ options: { duration: { type: "string", default: "10" }, connections: { type: "string", default: "10" } } }));
    } catch (err) {
        throw new UsageError((err as Error).message);
    }
    const durationSeconds = Number(values.duration);
    const connections = Number(values.connections);
    if (!Number.isInteger(durationSeconds) || durationSeconds < 1 || durationSeconds > 120) throw new UsageError(`bad --duration "${values.duration}"`);
    if (!Number.isInteger(connections) || connections < 1 || connections > 256) throw new UsageError(`bad --connections "${values.connections}"`);
    return { durationSeconds, connections };
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

async function main(): Promise<void> {
    const { durationSeconds, connections } = options();
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
        process.stderr.write("bench: starting PostgreSQL, the services and the router\n");
        const port = await freePort();
        // Orders need user 1's token: a throwaway issuer that the dev stack trusts for this run.
        const issuerDir = path.join(scratch, "issuer");
        const user1 = { authorization: `Bearer ${await (await openDevIssuer(issuerDir)).mint("1")}` };
        const stack = launchTs(
            "dev stack",
            "dev/main.ts",
            // No simulated payment failures, quiet logs and no DEV_RATE_LIMIT: measure the request
            // path, not error handling, log volume or the edge rate limit (a token bucket per client).
            { PORT: String(port), DEV_STATE_DIR: path.join(scratch, "pg"), DEV_ISSUER_DIR: issuerDir, PAYMENT_FAILURE_RATE: "0", LOG_LEVEL: "warn" },
            /ready on (http:\/\/\S+)/,
            120_000,
        );
        children.push(stack.child);
        const router = (await stack.ready)[1];
        const products = await sample(`${router}/api/products`, { headers: { "x-version": "v1" } });
        const placed = await sample(`${router}/api/orders`, { method: "POST", headers: { "content-type": "application/json", ...user1 }, body: order });
        const bare = launchTs(
            "bare node:http",
            "bench/bare.ts",
            { BENCH_ANSWERS: JSON.stringify({ "/api/products": products, "/api/orders": placed }) },
            /listening on (http:\/\/\S+)/,
            30_000,
        );
        children.push(bare.child);
        const bareUrl = (await bare.ready)[1];

        const cases: BenchCase[] = [
            { name: "GET /api/products, bare node:http", url: `${bareUrl}/api/products`, method: "GET" },
            { name: "GET /api/products via router", url: `${router}/api/products`, method: "GET" },
            { name: "POST /api/orders, bare node:http", url: `${bareUrl}/api/orders`, method: "POST", body: order },
            { name: "POST /api/orders via router", url: `${router}/api/orders`, method: "POST", body: order, headers: user1, uniqueIdempotencyKey: true },
        ];
        const results: Measurement[] = [];
        for (const bench of cases) {
            process.stderr.write(`bench: ${bench.name} for ${durationSeconds}s with ${connections} connections\n`);
            results.push(await measure(bench, durationSeconds, connections));
        }
        const rows = results.map((m) => [m.name, m.requestsPerSecond.toFixed(0), latency(m.p50Ms), latency(m.p99Ms), String(m.requests), String(m.non2xx), String(m.errors)]);
        process.stdout.write(`${formatTable(["case", "req/s", "p50 ms", "p99 ms", "requests", "non-2xx", "errors"], rows)}\n\n`);
        process.stdout.write(`${ratioLine(results[1], results[0])}\n${ratioLine(results[3], results[2])}\n`);
        process.stdout.write(`(${os.cpus().length} CPUs; autocannon, router, services and PostgreSQL all share them)\n`);
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
