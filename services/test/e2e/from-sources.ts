// Tests run the services from their TypeScript sources, so `npm test` needs no build first.
import path from "node:path";
import { Child } from "../../dev/child";
import { defaultProductSplit } from "../../dev/routes";
import { startStack, type RunningStack, type StackOptions } from "../../dev/stack";
import { runFromSources } from "../../dev/typescript";

const packageDir = path.resolve(__dirname, "..", "..");

/** argv that starts one real service process from src/main.ts. */
export const serviceFromSources: readonly string[] = [process.execPath, ...runFromSources, path.join(packageDir, "src", "main.ts")];

/** Nine processes compile their sources on two cores: give startup plenty of time. */
export const startupTimeoutMs = 120_000;

/**
 * The dev stack as the tests run it: every service from its sources, the router on a free
 * loopback port, the default product split, services logging at warn with payments that never
 * fail and no shutdown delay; `options` adds to that or replaces a part (serviceEnv whole).
 */
export function stackFromSources(options: Pick<StackOptions, "databaseUrl"> & Partial<StackOptions>): Promise<RunningStack> {
    return startStack({
        split: defaultProductSplit,
        host: "127.0.0.1",
        port: 0,
        serviceCommand: serviceFromSources,
        serviceEnv: { LOG_LEVEL: "warn", PAYMENT_FAILURE_RATE: "0", SHUTDOWN_DELAY_MS: "0" },
        readyTimeoutMs: startupTimeoutMs,
        ...options,
    });
}

/** The product service as its own process from its sources on 127.0.0.1:<port>, logging at warn; `env` adds to that. */
export function productFromSources(port: number, env: NodeJS.ProcessEnv): Child {
    return productProcess(serviceFromSources, port, env);
}

/** The product service started by `argv` (sources, or the bundle) on 127.0.0.1:<port>, logging at warn; `env` adds to that. */
export function productProcess(argv: readonly string[], port: number, env: NodeJS.ProcessEnv, onLine?: (line: string) => void): Child {
    const [command, ...args] = argv;
    return new Child({
        name: "product",
        command,
        args,
        env: { ...process.env, SERVICE_NAME: "product", HOST: "127.0.0.1", PORT: String(port), LOG_LEVEL: "warn", ...env },
        onLine,
    });
}
