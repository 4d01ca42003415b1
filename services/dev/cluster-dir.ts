// Where the local PostgreSQL cluster lives. As root the server runs as the `postgres` OS user,
// which must be able to traverse every directory above its data (search permission, POSIX
// path resolution). A clone under a 0700 folder (root's home, a `mktemp -d` folder) denies
// that, so initdb failed with "Permission denied". Then the cluster moves to a directory of
// its own under /var/tmp (kept across reboots, unlike /tmp), named by a hash of the clone's
// state directory so each clone keeps its own data; nothing about the clone's folders changes.
import { createHash } from "node:crypto";
import { lstatSync, statSync, type Stats } from "node:fs";
import path from "node:path";
import { DevError } from "./errors";

export interface Owner {
    readonly uid: number;
    readonly gid: number;
}

/** The first directory from / down to `dir` that `owner` cannot search, or undefined when all can be. */
export function blockingDir(dir: string, owner: Owner, stat: (p: string) => Stats | undefined = statOrUndefined): string | undefined {
    const parts = path.resolve(dir).split(path.sep).filter(Boolean);
    for (let depth = 0; depth <= parts.length; depth++) {
        const current = path.sep + parts.slice(0, depth).join(path.sep);
        const st = stat(current);
        if (!st) return undefined; // not created yet: it will be made for the owner
        const bit = st.uid === owner.uid ? 0o100 : st.gid === owner.gid ? 0o010 : 0o001;
        if ((st.mode & bit) === 0) return current;
    }
    return undefined;
}

/** The fallback for `stateDir`: /var/tmp/ecommerce-mesh-pg-<12 hex of its path's SHA-256>. */
export function fallbackDir(stateDir: string, root = "/var/tmp"): string {
    const hash = createHash("sha256").update(path.resolve(stateDir)).digest("hex").slice(0, 12);
    return path.join(root, `ecommerce-mesh-pg-${hash}`);
}

/**
 * `stateDir` when `owner` (the server's user, undefined when it runs as the caller) can reach it;
 * else the fallback, with the reason for the progress line. An existing fallback must be a real
 * directory owned by `owner`: /var/tmp is writable by everyone, so anyone could plant one there.
 */
export function clusterDir(stateDir: string, owner: Owner | undefined, root = "/var/tmp"): { dir: string; moved?: string } {
    const blocked = owner && blockingDir(stateDir, owner);
    if (!owner || !blocked) return { dir: stateDir };
    const dir = fallbackDir(stateDir, root);
    const existing = lstatOrUndefined(dir);
    if (existing && (!existing.isDirectory() || existing.uid !== owner.uid)) {
        throw new DevError(`${dir} exists but is not a directory owned by uid ${owner.uid} (the postgres user): remove it, or set DATABASE_URL`);
    }
    const mode = (statSync(blocked).mode & 0o777).toString(8).padStart(4, "0");
    return { dir, moved: `the postgres user cannot reach ${stateDir} (${blocked} is ${mode}); its cluster lives in ${dir} instead` };
}

function statOrUndefined(p: string): Stats | undefined {
    try {
        return statSync(p);
    } catch {
        return undefined;
    }
}

function lstatOrUndefined(p: string): Stats | undefined {
    try {
        return lstatSync(p);
    } catch {
        return undefined;
    }
}
