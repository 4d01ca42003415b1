// Finds or starts the PostgreSQL server the dev services use. A cluster in a directory of
// the repo (initdb on first run) keeps data across restarts; DATABASE_URL skips all of this.
// As root, where the postgres user cannot reach the repo, the cluster lives under /var/tmp (cluster-dir.ts).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, chownSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { Child } from "./child";
import { clusterDir } from "./cluster-dir";
import { DevError } from "./errors";
import { freePort } from "./ports";

export interface LocalPostgres {
    /** Connection URL of the `ecommerce` database. */
    readonly url: string;
    readonly server: Child;
}

const databaseName = "ecommerce";
const superuser = "postgres";

/** Directory holding initdb and postgres: $PG_BIN, Debian's newest /usr/lib/postgresql/N/bin, else $PATH. */
export function findServerBinaries(): string {
    const candidates: string[] = [];
    if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
    const debianRoot = "/usr/lib/postgresql";
    if (existsSync(debianRoot)) {
        const versions = readdirSync(debianRoot).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
        candidates.push(...versions.map((v) => path.join(debianRoot, v, "bin")));
    }
    candidates.push(...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean));
    const found = candidates.find((dir) => existsSync(path.join(dir, "initdb")) && existsSync(path.join(dir, "postgres")));
    if (!found) {
        throw new DevError(
            "PostgreSQL server binaries (initdb, postgres) not found: install Debian's postgresql package " +
                "(apt-get install postgresql), set PG_BIN to their directory, or set DATABASE_URL to a running server",
        );
    }
    return found;
}

interface RunAs {
    readonly uid?: number;
    readonly gid?: number;
}

/** PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` OS user. */
function serverUser(): RunAs {
    if (process.getuid?.() !== 0) return {};
    try {
        const id = (flag: string) => Number(execFileSync("id", [flag, superuser], { encoding: "utf8" }).trim());
        return { uid: id("-u"), gid: id("-g") };
    } catch {
        throw new DevError(
            `running as root, but there is no '${superuser}' OS user to run PostgreSQL as (it refuses to run as root): ` +
                "create it (Debian's postgresql package does), run as a normal user, or set DATABASE_URL",
        );
    }
}

function ownedDir(dir: string, owner: RunAs): void {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (owner.uid !== undefined && owner.gid !== undefined) chownSync(dir, owner.uid, owner.gid);
}

function initCluster(bin: string, dataDir: string, owner: RunAs): void {
    try {
        // trust auth is acceptable only because the server listens on loopback and a unix socket in the repo.
        execFileSync(path.join(bin, "initdb"), ["-D", dataDir, "-U", superuser, "--auth=trust", "-E", "UTF8"], {
            uid: owner.uid,
            gid: owner.gid,
            stdio: ["ignore", "pipe", "pipe"],
        });
    } catch (err) {
        const output = (err as { stderr?: Buffer }).stderr?.toString().trim() ?? String(err);
        throw new DevError(`initdb failed for ${dataDir}:\n${output}`);
    }
}

/** The pid recorded by a server still holding the data directory, if that process is a live postgres. */
function runningServerPid(dataDir: string): number | undefined {
    const pidFile = path.join(dataDir, "postmaster.pid");
    if (!existsSync(pidFile)) return undefined;
    const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
    try {
        // After a crash the pid may have been reused by an unrelated process: only a postgres counts.
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("postgres") ? pid : undefined;
    } catch {
        return undefined; // A stale file from a crash; postgres replaces it itself.
    }
}

async function connectWhenUp(config: pg.ClientConfig, server: Child, timeoutMs: number): Promise<pg.Client> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (!server.running) throw new DevError(`${server.describeExit()} while starting. Last lines:\n${server.lastLines()}`);
        const client = new pg.Client(config);
        try {
            await client.connect();
            return client;
        } catch (err) {
            await client.end().catch(() => undefined);
            if (Date.now() > deadline) throw new DevError(`PostgreSQL did not accept connections within ${timeoutMs} ms: ${err}`);
            await new Promise((resolve) => setTimeout(resolve, 200));
        }
    }
}

/** Where else the server listens, for clients outside this host's loopback (the container mode). */
export interface ExtraListen {
    readonly addresses: readonly string[];
    readonly port: number;
    /** The lines of a pg_hba.conf that admits those clients (written beside the cluster, where the server can read it). */
    readonly hba: readonly string[];
}

/** Starts (and on first use creates) the cluster under `stateDir`, with an `ecommerce` database in it. */
export async function startLocalPostgres(wantedDir: string, progress: (line: string) => void, listen?: ExtraListen): Promise<LocalPostgres> {
    const bin = findServerBinaries();
    const owner = serverUser();
    const { dir: stateDir, moved } = clusterDir(wantedDir, owner.uid === undefined ? undefined : { uid: owner.uid, gid: owner.gid! });
    if (moved) progress(moved);
    const dataDir = path.join(stateDir, "data");
    const socketDir = path.join(stateDir, "run");
    ownedDir(stateDir, owner);
    ownedDir(socketDir, owner);
    if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
        progress(`creating PostgreSQL cluster in ${dataDir}`);
        initCluster(bin, dataDir, owner);
    }
    const holder = runningServerPid(dataDir);
    if (holder !== undefined) {
        throw new DevError(
            `a PostgreSQL server (pid ${holder}) already uses ${dataDir}: is another \`npm run dev\` running? ` +
                `If not, stop it with: kill ${holder}`,
        );
    }
    const port = listen?.port ?? (await freePort());
    const hbaFile = path.join(stateDir, "pg_hba.conf");
    if (listen) writeFileSync(hbaFile, [...listen.hba, ""].join("\n"));
    const listenArgs = listen ? ["-c", `listen_addresses=${["127.0.0.1", ...listen.addresses].join(",")}`, "-c", `hba_file=${hbaFile}`] : [];
    const server = new Child({
        name: "postgres",
        command: path.join(bin, "postgres"),
        // Nine service pools of up to 10 connections each would nearly fill the default 100.
        args: ["-D", dataDir, "-p", String(port), "-k", socketDir, "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", ...listenArgs],
        uid: owner.uid,
        gid: owner.gid,
    });
    try {
        const admin = await connectWhenUp({ host: "127.0.0.1", port, user: superuser, database: "postgres" }, server, 30_000);
        try {
            const existing = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [databaseName]);
            if (existing.rowCount === 0) await admin.query(`CREATE DATABASE ${databaseName}`);
        } finally {
            await admin.end();
        }
    } catch (err) {
        await server.stop(10_000);
        throw err;
    }
    return { url: localDatabaseUrl(port), server };
}

/** The `ecommerce` database of a local cluster on `port`: the superuser, trusted on loopback. */
export function localDatabaseUrl(port: number): string {
    return `postgres://${superuser}@127.0.0.1:${port}/${databaseName}`;
}

/** Fails fast with a clear message when DATABASE_URL points at no reachable server. */
export async function checkDatabase(url: string): Promise<void> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    try {
        await client.connect();
    } catch (err) {
        const where = URL.canParse(url) ? new URL(url).host : "it"; // Never echo the password.
        throw new DevError(`cannot connect to DATABASE_URL (${where}): ${(err as Error).message}`);
    } finally {
        await client.end().catch(() => undefined);
    }
}
