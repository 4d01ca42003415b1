// Tests run the services from their TypeScript sources, so `npm test` needs no build first.
import path from "node:path";
import { Child } from "../../dev/child";
import { runFromSources } from "../../dev/typescript";

const packageDir = path.resolve(__dirname, "..", "..");

/** argv that starts one real service process from src/main.ts. */
export const serviceFromSources: readonly string[] = [process.execPath, ...runFromSources, path.join(packageDir, "src", "main.ts")];

/** Nine processes compile their sources on two cores: give startup plenty of time. */
export const startupTimeoutMs = 120_000;

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
