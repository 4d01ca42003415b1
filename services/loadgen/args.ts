// Command-line flags of the load generator. Parsing is pure (argv in, options or UsageError
// out) so tests can cover every bad flag without spawning a process.
import { parseArgs } from "node:util";
import { UsageError } from "../dev/errors";

export interface LoadOptions {
    /** Base URL of the router or gateway, e.g. http://127.0.0.1:8080. */
    readonly target: string;
    readonly durationSeconds: number;
    /** Concurrent virtual users, each running one action after another. */
    readonly users: number;
    /** The shop's database, to restock and check the money invariants (loadgen/database.ts). */
    readonly database?: string;
}

export const usage = `usage: npm run loadgen -- --target <url> [--duration <seconds>] [--users <n>]

  --target    base URL of the local router or the deployed gateway (http:// or https://)
  --duration  how long to run, 1 to 3600 seconds (default 30)
  --users     concurrent virtual users, 1 to 1000 (default 10)
  --database  PostgreSQL URL of the shop, to restock and check the money invariants
              (default DATABASE_URL, else npm run dev's cluster for a loopback target)`;

function integerIn(flag: string, raw: string, min: number, max: number): number {
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
        throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
}

function httpUrl(raw: string): string {
    let url: URL;
    try {
        url = new URL(raw);
    } catch {
        throw new UsageError(`--target must be a URL like http://127.0.0.1:8080, got "${raw}"`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new UsageError(`--target must be an http:// or https:// URL, got "${raw}"`);
    }
    return raw.replace(/\/+$/, "");
}

function databaseUrl(raw: string): string {
    if (!URL.canParse(raw) || !["postgres:", "postgresql:"].includes(new URL(raw).protocol)) {
        throw new UsageError(`--database must be a postgres:// or postgresql:// URL, got "${raw.replace(/:[^:@/]*@/, ":***@")}"`);
    }
    return raw;
}

export function parseLoadArgs(argv: readonly string[]): LoadOptions {
    let values;
    try {
        ({ values } = parseArgs({
            args: [...argv],
            options: {
                target: { type: "string" },
                duration: { type: "string", default: "30" },
                users: { type: "string", default: "10" },
                database: { type: "string" },
            },
            strict: true,
            allowPositionals: false,
        }));
    } catch (err) {
        throw new UsageError((err as Error).message);
    }
    if (values.target === undefined) throw new UsageError("--target is required");
    return {
        target: httpUrl(values.target),
        durationSeconds: integerIn("duration", values.duration, 1, 3600),
        users: integerIn("users", values.users, 1, 1000),
        ...(values.database === undefined ? {} : { database: databaseUrl(values.database) }),
    };
}
