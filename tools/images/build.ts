// Builds services/Dockerfile, as it is, for one service with the engine found, and reads back
// what the engine stored: size, digest, labels.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { type EngineName, run, runStreaming } from "./engine";

export const servicesDir = path.resolve(__dirname, "..", "..", "services");

export interface BuildRequest {
    readonly engine: EngineName;
    readonly service: string;
    /** `<images.registry>/<service>:<images.tag>` */
    readonly ref: string;
    readonly version: string;
    readonly revision: string;
    /** FROM image for every stage; the Dockerfile's own default (node:24-alpine) when unset. */
    readonly nodeImage?: string;
}

export interface BuiltImage {
    readonly ref: string;
    readonly digest: string;
    readonly sizeBytes: number;
    readonly seconds: number;
}

/** The commit the build context comes from, `-dirty` when the work tree has changes. */
export function gitRevision(): string {
    try {
        const git = (...args: string[]) => execFileSync("git", args, { cwd: servicesDir, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
        return `${git("rev-parse", "HEAD")}${git("status", "--porcelain", "--", ".") ? "-dirty" : ""}`;
    } catch {
        return "unknown";
    }
}

export function buildArgs(request: BuildRequest): string[] {
    const args = { SERVICE: request.service, VERSION: request.version, REVISION: request.revision, ...(request.nodeImage ? { NODE_IMAGE: request.nodeImage } : {}) };
    return Object.entries(args).flatMap(([key, value]) => ["--build-arg", `${key}=${value}`]);
}

export async function buildImage(request: BuildRequest): Promise<BuiltImage> {
    const started = performance.now();
    const command = request.engine === "buildah" ? ["build", "--layers"] : ["build"];
    await runStreaming(request.engine, [...command, "-f", path.join(servicesDir, "Dockerfile"), ...buildArgs(request), "-t", request.ref, servicesDir]);
    const seconds = (performance.now() - started) / 1000;
    return { ...inspectImage(request.engine, request.ref), seconds };
}

export interface ImageFacts {
    readonly ref: string;
    readonly digest: string;
    readonly sizeBytes: number;
    readonly user: string;
    readonly labels: Readonly<Record<string, string>>;
    /** Layer digests, base image first. */
    readonly layers: readonly string[];
}

export function inspectImage(engine: EngineName, ref: string): ImageFacts {
    const args = engine === "buildah" ? ["inspect", "--type", "image", ref] : ["image", "inspect", ref];
    const raw = JSON.parse(run(engine, args));
    const image = Array.isArray(raw) ? raw[0] : raw;
    // docker and podman share one inspect shape; buildah nests the OCI config.
    const config = image.Config ?? image.OCIv1?.config ?? {};
    return {
        ref,
        digest: image.Digest ?? image.FromImageDigest ?? image.Id ?? image.FromImageID,
        sizeBytes: Number(image.Size ?? 0),
        user: config.User ?? "",
        labels: config.Labels ?? {},
        layers: image.RootFS?.Layers ?? image.OCIv1?.rootfs?.diff_ids ?? [],
    };
}
