// A private PostgreSQL for tests and local runs: a fresh cluster in a temp directory on
// 127.0.0.1 and a free port, with durability off for speed. Installs Debian's postgresql
// package when no server binaries are found (CI machines start bare). initdb and postgres
// refuse to run as root, so as root they run as the `postgres` OS user.
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { installDebianPackages } from "./debian-packages";

export interface ThrowawayPostgres {
    /** Superuser URL of the `postgres` database, e.g. postgres://postgres@127.0.0.1:41234/postgres. */
    readonly adminUrl: string;
    readonly port: number;
    /** Creates an empty database and returns its URL. */
    createDatabase(name: string): Promise<string>;
    /** Stops the server and deletes its files. */
    stop(): void;
}

const postgresRoot = "/usr/lib/postgresql";

function findBinDir(): string | undefined {
    if (!existsSync(postgresRoot)) return undefined;
    const versions = readdirSync(postgresRoot)
        .filter((entry) => existsSync(join(postgresRoot, entry, "bin", "postgres")))
        .sort((a, b) => Number(b) - Number(a));
    return versions.length > 0 ? join(postgresRoot, versions[0], "bin") : undefined;
}

function installPostgres(): void {
    if (process.getuid?.() !== 0) {
        throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql; install them with: apt-get install postgresql");
    }
    installDebianPackages(["postgresql"], `${postgresRoot}/*/bin/postgres`, "throwaway-postgres");
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
        });
    });
}

export interface ThrowawayOptions {
    /** PEM certificate and key: the server then accepts TLS connections only (hostssl in pg_hba.conf). */
    tls?: { certFile: string; keyFile: string };
}

export async function startThrowawayPostgres(options: ThrowawayOptions = {}): Promise<ThrowawayPostgres> {
    let binDir = findBinDir();
    if (!binDir) {
        installPostgres();
        binDir = findBinDir();
        if (!binDir) throw new Error("postgresql installed but no server binaries found under /usr/lib/postgresql");
    }
    const asRoot = process.getuid?.() === 0;
    const dataDir = mkdtempSync(join(tmpdir(), "ecommerce-mesh-pg-"));
    if (asRoot) {
        const uid = Number(execFileSync("id", ["-u", "postgres"]).toString());
        const gid = Number(execFileSync("id", ["-g", "postgres"]).toString());
        chownSync(dataDir, uid, gid);
    }
    const run = (program: string, args: string[]) => {
        const command = asRoot ? ["runuser", "-u", "postgres", "--", join(binDir, program), ...args] : [join(binDir, program), ...args];
        const result = spawnSync(command[0], command.slice(1), { encoding: "utf8" });
        if (result.status !== 0) {
            throw new Error(`${program} failed (${result.status}): ${result.stderr || result.stdout || result.error?.message}`);
        }
    };

    const port = await freePort();
    run("initdb", ["-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"]);
    if (options.tls) {
        // Plain TCP is refused before authentication: only TLS sessions reach `trust`.
        writeFileSync(join(dataDir, "pg_hba.conf"), "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 0.0.0.0/0 reject\n");
    }
    const tlsOptions = options.tls ? [`-c ssl=on`, `-c ssl_cert_file=${options.tls.certFile}`, `-c ssl_key_file=${options.tls.keyFile}`] : [];
    const serverOptions = [
        ...tlsOptions,
        `-p ${port}`,
        `-k ${dataDir}`,
        "-c listen_addresses=127.0.0.1",
        "-c max_connections=300",
        "-c fsync=off",
        "-c synchronous_commit=off",
        "-c full_page_writes=off",
    ].join(" ");
    run("pg_ctl", ["start", "-D", dataDir, "-w", "-t", "60", "-l", join(dataDir, "server.log"), "-o", serverOptions]);

    let stopped = false;
    const stop = () => {
        if (stopped) return;
        stopped = true;
        process.removeListener("exit", stop);
        try {
            run("pg_ctl", ["stop", "-D", dataDir, "-m", "immediate", "-w"]);
        } finally {
            rmSync(dataDir, { recursive: true, force: true });
        }
    };
    // A runner that dies without cleaning up must not leave a server behind.
    process.on("exit", stop);

    const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    return {
        adminUrl,
        port,
        async createDatabase(name) {
            if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain database name: ${name}`);
            const client = new pg.Client({ connectionString: adminUrl });
            await client.connect();
            try {
                await client.query(`CREATE DATABASE ${name}`);
            } finally {
                await client.end();
            }
            return `postgres://postgres@127.0.0.1:${port}/${name}`;
        },
        stop,
    };
}
