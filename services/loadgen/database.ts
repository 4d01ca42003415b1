// Where loadgen finds the shop's database, to restock and to check the money invariants: the
// --database flag, else DATABASE_URL, else (for a loopback target) the cluster `npm run dev`
// started, from its postmaster.pid. Without one, loadgen says why and runs without both.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fallbackDir } from "../dev/cluster-dir";
import { localDatabaseUrl } from "../dev/postgres";

export type DatabaseSource = { readonly url: string; readonly from: string } | { readonly url?: undefined; readonly why: string };

/** The dev cluster's state directory, as `npm run dev` (run from the repo root) resolves it. */
export const devStateDir = (env: NodeJS.ProcessEnv = process.env) => path.resolve(path.join(__dirname, "../.."), env.DEV_STATE_DIR ?? ".pg");

/** The port a running local cluster listens on: line 4 of postmaster.pid (PostgreSQL's pidfile.h). */
function clusterPort(stateDir: string): number | undefined {
    for (const dir of [stateDir, fallbackDir(stateDir)]) {
        const pidFile = path.join(dir, "data", "postmaster.pid");
        if (!existsSync(pidFile)) continue;
        const port = Number(readFileSync(pidFile, "utf8").split("\n")[3]);
        if (Number.isInteger(port) && port > 0) return port;
    }
    return undefined;
}

const loopback = (target: string) => ["127.0.0.1", "localhost", "[::1]"].includes(new URL(target).hostname) || new URL(target).hostname.startsWith("127.");

export function findDatabase(flag: string | undefined, target: string, env: NodeJS.ProcessEnv = process.env): DatabaseSource {
    if (flag) return { url: flag, from: "--database" };
    if (env.DATABASE_URL) return { url: env.DATABASE_URL, from: "DATABASE_URL" };
    if (!loopback(target)) return { why: `${new URL(target).host} is not this machine: pass --database <url> (or DATABASE_URL) to restock and check the invariants` };
    const stateDir = devStateDir(env);
    const port = clusterPort(stateDir);
    if (port !== undefined) return { url: localDatabaseUrl(port), from: `npm run dev's cluster in ${stateDir}` };
    return { why: `no running npm run dev cluster in ${stateDir} and no DATABASE_URL: pass --database <url> to restock and check the invariants` };
}
