// Starts real services in-process on port 0 against a test database, wired to each other
// the way the mesh wires them, with logs silenced unless TEST_LOG_LEVEL says otherwise.
import { loadConfig, startService, urlVariable, downstreamsOf, type RunningService, type ServiceName } from "../../src/index";

export type Env = Record<string, string>;

/** Nothing listens on port 1: calls to a service a test did not start fail fast as unreachable. */
const unreachable = "http://127.0.0.1:1";

export function testEnv(service: ServiceName, databaseUrl: string, extra: Env = {}): Env {
    return {
        SERVICE_NAME: service,
        DATABASE_URL: databaseUrl,
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
        PAYMENT_FAILURE_RATE: "0",
        SHUTDOWN_DELAY_MS: "0",
        SHUTDOWN_GRACE_MS: "5000",
        ...extra,
    };
}

export class TestStack {
    readonly running = new Map<ServiceName, RunningService>();

    url(service: ServiceName): string {
        const found = this.running.get(service);
        if (!found) throw new Error(`${service} was not started`);
        return found.url;
    }

    service(name: ServiceName): RunningService {
        return this.running.get(name)!;
    }

    async stop(): Promise<void> {
        await Promise.all([...this.running.values()].map((service) => service.close()));
        this.running.clear();
    }
}

/**
 * Starts `names`, callees before callers. `env` applies to all of them, `perService` to one.
 */
export async function startStack(
    databaseUrl: string,
    names: readonly ServiceName[],
    env: Env = {},
    perService: Partial<Record<ServiceName, Env>> = {},
): Promise<TestStack> {
    const stack = new TestStack();
    const leaves = names.filter((name) => downstreamsOf[name].length === 0);
    const callers = names.filter((name) => downstreamsOf[name].length > 0);
    const start = async (name: ServiceName) => {
        const urls: Env = {};
        for (const target of downstreamsOf[name]) urls[urlVariable(target)] = stack.running.get(target)?.url ?? unreachable;
        const config = loadConfig(testEnv(name, databaseUrl, { ...urls, ...env, ...perService[name] }));
        stack.running.set(name, await startService(config));
    };
    try {
        await Promise.all(leaves.map(start));
        // cart and order call no caller, so they can start together once the leaves are up.
        await Promise.all(callers.map(start));
    } catch (error) {
        await stack.stop();
        throw error;
    }
    return stack;
}
