// `npm run dev`: reads the product canary split from the dev stack's config and runs the
// services package's dev orchestrator (PostgreSQL, all services, the local router) with it.
// Usage: npm run dev [-- <stack>]          (stack defaults to dev)
//        npm run dev -- --containers       (the local stack's rendered workloads in podman)
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { serviceNames, type ServiceName } from "../stacks/catalog";
import { parseDuration } from "../stacks/durations";
import { fromPulumiConfig, loadStackConfig, projectName } from "../stacks/load";
import { readStackFile } from "./capture/stackFile";
import { localPrometheusSpec } from "./devPrometheus";
import { routingFromConfig, watchRouting } from "./devRouting";
import { devChaosFile } from "./chaos/targets";
import { renderWorkloads } from "./render/workloads";
import { runFromSources } from "../services/dev/typescript";

export interface ProductSplit {
    stable: string;
    canary: string;
    /** Percent of product traffic sent to the canary version. */
    weight: number;
    /** Header whose value pins a version. */
    header: string;
}

const repoRoot = path.resolve(__dirname, "..");
const servicesDir = path.join(repoRoot, "services");

function stackConfig(stackName: string, projectDir: string) {
    return loadStackConfig(fromPulumiConfig(readStackFile(projectDir, stackName, projectName).values));
}

/** Each service's route timeout (services.<name>.timeout) in ms, for the local router. */
export function routeTimeoutsFromStack(stackName: string, projectDir = repoRoot): Record<ServiceName, number> {
    const config = stackConfig(stackName, projectDir);
    return Object.fromEntries(serviceNames.map((service) => [service, parseDuration(config.services[service].timeout)!])) as Record<ServiceName, number>;
}

/** The product canary split of a stack, read and validated exactly as `pulumi up` would. */
export function productSplitFromStack(stackName: string, projectDir = repoRoot): ProductSplit {
    return routingFromConfig(stackConfig(stackName, projectDir), stackName).split;
}

/** The stack's edge rate limit as the local router takes it (milliseconds), or null when it is off. */
export function rateBudgetFromStack(stackName: string, projectDir = repoRoot): { intervalMs: number; read: number; write: number } | null {
    const { rateLimit } = loadStackConfig(fromPulumiConfig(readStackFile(projectDir, stackName, projectName).values));
    if (!rateLimit.enabled) return null;
    return { intervalMs: parseDuration(rateLimit.interval)!, read: rateLimit.read, write: rateLimit.write };
}

/** Renders the stack's workloads into a file of the state dir (0600: it holds the Secret's values). */
async function containerManifest(stack: string, stateDir: string): Promise<string> {
    const file = path.join(stateDir, `${stack}-workloads.json`);
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(file, JSON.stringify(await renderWorkloads(repoRoot, stack)), { mode: 0o600 });
    return file;
}

async function main(): Promise<void> {
    const containers = process.argv.includes("--containers");
    const stack = process.argv.slice(2).find((arg) => arg !== "--containers") ?? (containers ? "local" : "dev");
    const stateDir = process.env.DEV_STATE_DIR ?? path.join(repoRoot, ".pg");
    let split: ProductSplit;
    let prometheus: ReturnType<typeof localPrometheusSpec>;
    let faults: ReturnType<typeof routingFromConfig>["faults"];
    let timeouts: Record<ServiceName, number>;
    let rateBudget: ReturnType<typeof rateBudgetFromStack>;
    let manifest: string | undefined;
    let tls: { minVersion: string; hstsMaxAge: number };
    let chaos = false;
    try {
        split = productSplitFromStack(stack);
        timeouts = routeTimeoutsFromStack(stack);
        const config = stackConfig(stack, repoRoot);
        prometheus = localPrometheusSpec(config);
        faults = routingFromConfig(config, stack).faults;
        rateBudget = rateBudgetFromStack(stack);
        tls = { minVersion: config.edge.minTlsVersion, hstsMaxAge: config.edge.hstsMaxAge };
        chaos = config.chaos.enabled;
        if (containers) manifest = await containerManifest(stack, stateDir);
    } catch (err) {
        process.stderr.write(`ecommerce-mesh dev: ${(err as Error).message}\n`);
        process.exit(2);
    }
    const orchestrator = spawn(
        process.execPath,
        [...runFromSources, path.join(servicesDir, "dev", "main.ts")],
        {
            stdio: ["inherit", "inherit", "inherit", "ipc"],
            env: {
                ...process.env,
                DEV_PRODUCT_SPLIT: JSON.stringify(split),
                DEV_PROMETHEUS: JSON.stringify(prometheus),
                DEV_FAULTS: JSON.stringify(faults),
                DEV_ROUTE_TIMEOUTS: JSON.stringify(timeouts),
                DEV_RATE_LIMIT: JSON.stringify(rateBudget),
                DEV_ISSUER_DIR: process.env.DEV_ISSUER_DIR ?? path.join(repoRoot, ".dev-issuer"),
                DEV_TLS: JSON.stringify(tls),
                DEV_STATE_DIR: stateDir,
                DEV_CHAOS: String(chaos),
                DEV_CHAOS_FILE: devChaosFile(),
                ...(manifest ? { DEV_CONTAINERS: manifest } : {}),
            },
        },
    );
    // A terminal Ctrl-C reaches both processes; a plain `kill` reaches only this one, so pass
    // it on. The orchestrator treats repeated stop signals as one.
    // The router follows the stack file (promote --local edits it); a bad edit keeps the old split.
    const unwatch = watchRouting(repoRoot, stack, (routing) => orchestrator.connected && orchestrator.send({ type: "routing", ...routing }), (message) => process.stderr.write(`ecommerce-mesh dev: stack file change ignored: ${message}\n`));
    const forward = () => orchestrator.kill("SIGTERM");
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    orchestrator.on("exit", (code, signal) => {
        unwatch();
        process.exit(code ?? (signal ? 1 : 0));
    });
}

if (require.main === module) void main();
