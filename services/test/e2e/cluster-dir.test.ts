// npm run dev's PostgreSQL from a clone the postgres user cannot reach: root's clone under a
// 0700 folder (root's home, mktemp -d) used to stop at "initdb failed … Permission denied".
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, type Stats } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import pg from "pg";
import { blockingDir, clusterDir, fallbackDir } from "../../dev/cluster-dir";
import { DevError } from "../../dev/errors";
import { startLocalPostgres } from "../../dev/postgres";

const postgresUser = { uid: 70, gid: 70 };
const dirStat = (uid: number, gid: number, mode: number) => ({ uid, gid, mode: 0o040000 | mode }) as Stats;

describe("dev PostgreSQL: where the cluster lives when the postgres user cannot reach the clone", () => {
    it("finds the first folder the server's user cannot search, by owner, group and other bits", () => {
        const tree: Record<string, Stats> = { "/": dirStat(0, 0, 0o755), "/root": dirStat(0, 0, 0o700), "/root/clone": dirStat(0, 0, 0o755) };
        const stat = (p: string) => tree[p];
        expect(blockingDir("/root/clone/.pg", postgresUser, stat)).to.equal("/root");
        tree["/root"] = dirStat(0, 70, 0o710);
        expect(blockingDir("/root/clone/.pg", postgresUser, stat), "group search bit").to.equal(undefined);
        tree["/root"] = dirStat(70, 0, 0o700);
        expect(blockingDir("/root/clone/.pg", postgresUser, stat), "owner").to.equal(undefined);
        tree["/root"] = dirStat(0, 0, 0o701);
        expect(blockingDir("/root/clone/.pg", postgresUser, stat), "other search bit").to.equal(undefined);
    });

    it("moves the cluster to a folder per clone under /var/tmp, and says why", () => {
        const clone = mkdtempSync(path.join(tmpdir(), "clone-")); // 0700, like root's home
        const root = mkdtempSync(path.join(tmpdir(), "vartmp-"));
        try {
            const wanted = path.join(clone, ".pg");
            const { dir, moved } = clusterDir(wanted, postgresUser, root);
            expect(dir).to.equal(fallbackDir(wanted, root)).and.match(/\/ecommerce-mesh-pg-[0-9a-f]{12}$/);
            expect(moved).to.equal(`the postgres user cannot reach ${wanted} (${clone} is 0700); its cluster lives in ${dir} instead`);
            expect(fallbackDir(path.join(clone, "other")), "each clone its own").to.not.equal(fallbackDir(wanted));
            expect(clusterDir(wanted, undefined, root), "not root: the clone's folder").to.deep.equal({ dir: wanted });
        } finally {
            rmSync(clone, { recursive: true, force: true });
            rmSync(root, { recursive: true, force: true });
        }
    });

    it("refuses a fallback someone else planted in /var/tmp (a symlink or another owner's folder)", () => {
        const clone = mkdtempSync(path.join(tmpdir(), "clone-"));
        const root = mkdtempSync(path.join(tmpdir(), "vartmp-"));
        try {
            const wanted = path.join(clone, ".pg");
            symlinkSync(clone, fallbackDir(wanted, root));
            expect(() => clusterDir(wanted, postgresUser, root)).to.throw(DevError, /exists but is not a directory owned by uid 70 \(the postgres user\): remove it, or set DATABASE_URL/);
            rmSync(fallbackDir(wanted, root));
            mkdirSync(fallbackDir(wanted, root));
            expect(statSync(fallbackDir(wanted, root)).uid).to.not.equal(70);
            expect(() => clusterDir(wanted, postgresUser, root)).to.throw(DevError, /not a directory owned by uid 70/);
        } finally {
            rmSync(clone, { recursive: true, force: true });
            rmSync(root, { recursive: true, force: true });
        }
    });

    it("as root, starts the cluster for a clone under a 0700 folder (the issue's case, end to end)", async function () {
        if (process.getuid?.() !== 0) this.skip(); // only root hands the server to the postgres user
        this.timeout(60_000);
        const clone = mkdtempSync(path.join(tmpdir(), "root-clone-"));
        const wanted = path.join(clone, ".pg");
        const said: string[] = [];
        const postgres = await startLocalPostgres(wanted, (line) => said.push(line));
        try {
            expect(said[0]).to.match(/^the postgres user cannot reach .+ \(.+ is 0700\); its cluster lives in \/var\/tmp\/ecommerce-mesh-pg-[0-9a-f]{12} instead$/);
            const client = new pg.Client({ connectionString: postgres.url });
            await client.connect();
            expect((await client.query("SELECT current_database() AS db")).rows[0].db).to.equal("ecommerce");
            await client.end();
        } finally {
            await postgres.server.stop(10_000);
            rmSync(fallbackDir(wanted), { recursive: true, force: true });
            rmSync(clone, { recursive: true, force: true });
        }
    });

    it("the services' README names the fallback the code uses", () => {
        const readme = readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
        expect(fallbackDir("/x/.pg")).to.match(/^\/var\/tmp\/ecommerce-mesh-pg-[0-9a-f]{12}$/);
        expect(readme).to.contain("the cluster lives in\n`/var/tmp/ecommerce-mesh-pg-<hash>` instead (a hash of the `.pg/` path");
    });
});
