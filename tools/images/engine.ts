// The container engine on this machine: docker (with a daemon), podman or buildah, found in
// that order, always run with the project's containers.conf (runc, no forced ulimits).
import { execFileSync, spawn, spawnSync } from "node:child_process";
import path from "node:path";

export type EngineName = "docker" | "podman" | "buildah";
export const engineNames: readonly EngineName[] = ["docker", "podman", "buildah"];

export class ImagesError extends Error {}

/** CONTAINERS_CONF for podman and buildah: the settings live in the repo, not on the machine. */
export const containersConf = path.join(__dirname, "containers.conf");

export function engineEnv(): NodeJS.ProcessEnv {
    return { ...process.env, CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? containersConf };
}

function works(command: string, args: string[]): boolean {
    const result = spawnSync(command, args, { env: engineEnv(), stdio: "ignore", timeout: 20_000 });
    return result.status === 0;
}

/** The first engine that answers; docker counts only when its daemon does. */
export function detectEngine(wanted?: EngineName): EngineName {
    if (wanted && !engineNames.includes(wanted)) {
        throw new ImagesError(`--engine must be one of ${engineNames.join(", ")}, got "${wanted}"`);
    }
    const probes: Record<EngineName, string[]> = { docker: ["info"], podman: ["info"], buildah: ["version"] };
    for (const name of wanted ? [wanted] : engineNames) {
        if (works(name, probes[name])) return name;
    }
    throw new ImagesError(
        wanted
            ? `${wanted} does not answer (is it installed, and for docker, is the daemon running?)`
            : "no container engine found: install podman and buildah (apt-get install podman buildah runc catatonit), or run a Docker daemon",
    );
}

/** Runs the engine and returns its stdout; the engine's own message on failure. */
export function run(engine: string, args: readonly string[], input?: string): string {
    try {
        return execFileSync(engine, args, { env: engineEnv(), encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"], maxBuffer: 64 << 20 });
    } catch (error) {
        const stderr = (error as { stderr?: string }).stderr?.trim();
        throw new ImagesError(`${engine} ${args.join(" ")} failed${stderr ? `:\n${stderr}` : ""}`);
    }
}

/** Runs the engine with its output streamed to our stderr (builds are long); rejects on failure. */
export function runStreaming(engine: string, args: readonly string[]): Promise<void> {
    return new Promise((resolve, reject) => {
        const child = spawn(engine, args, { env: engineEnv(), stdio: ["ignore", process.stderr, process.stderr] });
        child.once("error", (error) => reject(new ImagesError(`${engine}: ${error.message}`)));
        child.once("close", (code) => (code === 0 ? resolve() : reject(new ImagesError(`${engine} ${args.slice(0, 2).join(" ")} … exited with code ${code}`))));
    });
}
