// `npm run dev`: reads the product canary split from the dev stack's config and runs the
// services package's dev orchestrator (PostgreSQL, all services, the local router) with it.
// Usage: node -r ts-node/register/transpile-only tools/dev.ts [stack]   (stack defaults to dev)
import { spawn } from "node:child_process";
import path from "node:path";
import { fromPulumiConfig, loadStackConfig, projectName } from "../stacks/load";
import { readStackFile } from "./capture/stackFile";
import { localPrometheusSpec } from "./devPrometheus";
import { routingFromConfig, watchRouting } from "./devRouting";

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

/** The product canary split of a stack, read and validated exactly as `pulumi up` would. */
export function productSplitFromStack(stackName: string, projectDir = repoRoot): ProductSplit {
    const config = loadStackConfig(fromPulumiConfig(readStackFile(projectDir, stackName, projectName).values));
    return routingFromConfig(config, stackName).split;
}

function main(): void {
    const stack = process.argv[2] ?? "dev";
    let split: ProductSplit;
    let prometheus: ReturnType<typeof localPrometheusSpec>;
    let faults: ReturnType<typeof routingFromConfig>["faults"];
    try {
        split = productSplitFromStack(stack);
        const config = loadStackConfig(fromPulumiConfig(readStackFile(repoRoot, stack, projectName).values));
        prometheus = localPrometheusSpec(config);
        faults = routingFromConfig(config, stack).faults;
    } catch (err) {
        process.stderr.write(`ecommerce-mesh dev: ${(err as Error).message}\n`);
        process.exit(2);
    }
    const orchestrator = spawn(
        process.execPath,
        ["-r", require.resolve("ts-node/register/transpile-only", { paths: [servicesDir] }), path.join(servicesDir, "dev", "main.ts")],
        {
            stdio: ["inherit", "inherit", "inherit", "ipc"],
            env: {
                ...process.env,
                TS_NODE_PROJECT: path.join(servicesDir, "dev", "tsconfig.json"),
                DEV_PRODUCT_SPLIT: JSON.stringify(split),
                DEV_PROMETHEUS: JSON.stringify(prometheus),
                DEV_FAULTS: JSON.stringify(faults),
                DEV_STATE_DIR: process.env.DEV_STATE_DIR ?? path.join(repoRoot, ".pg"),
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

if (require.main === module) main();
