// `npm run images -- [--stack local] [--service cart ...] [--base offline|<image>] [--engine podman]`
// Builds services/Dockerfile for every service (or those named) with docker, podman or buildah,
// tags each `<images.registry>/<service>:<images.tag>` of the stack, prints size and digest.
import path from "node:path";
import { parseArgs } from "node:util";
import { fromPulumiConfig, loadStackConfig, projectName, serviceNames, StackConfigError, type StackConfig } from "../../stacks";
import { readStackFile, StackFileError } from "../capture/stackFile";
import { offlineBase } from "./base";
import { buildImage, gitRevision } from "./build";
import { detectEngine, type EngineName, ImagesError } from "./engine";

const projectDir = path.resolve(__dirname, "..", "..");

export const usage = `usage: npm run images -- [--stack <name>] [--service <name>]... [--base offline|<image>] [--engine docker|podman|buildah]
  --stack    the stack whose images.registry and images.tag name the images (default: local)
  --service  build only this service (repeatable; default: all ${serviceNames.length})
  --base     offline: assemble a stand-in Node 24 base without any registry (debootstrap, root);
             <image>: any FROM image for every stage; default: the Dockerfile's node:24-alpine
  --engine   the engine to use (default: the first of docker, podman, buildah that answers)`;

export interface ImagesArgs {
    readonly stack: string;
    readonly services: readonly string[];
    readonly base?: string;
    readonly engine?: EngineName;
}

export function parseImagesArgs(argv: readonly string[]): ImagesArgs {
    let values;
    try {
        ({ values } = parseArgs({
            args: [...argv],
            options: {
                stack: { type: "string", default: "local" },
                service: { type: "string", multiple: true, default: [] },
                base: { type: "string" },
                engine: { type: "string" },
            },
            strict: true,
            allowPositionals: false,
        }));
    } catch (error) {
        throw new ImagesError(`${(error as Error).message}\n${usage}`);
    }
    const unknown = values.service.filter((s) => !(serviceNames as readonly string[]).includes(s));
    if (unknown.length) throw new ImagesError(`--service ${unknown.join(", ")}: not a service; expected one of ${serviceNames.join(", ")}`);
    return { stack: values.stack, services: values.service.length ? values.service : serviceNames, base: values.base, engine: values.engine as EngineName | undefined };
}

/** `<images.registry>/<service>:<images.tag>`, the registry defaulting to the stack's ACR login server. */
export function imageRef(config: StackConfig, service: string): string {
    const registry = config.images.registry ?? `${config.registry.name!.toLowerCase()}.azurecr.io`;
    return `${registry}/${service}:${config.images.tag}`;
}

export function stackConfig(stack: string): StackConfig {
    return loadStackConfig(fromPulumiConfig(readStackFile(projectDir, stack, projectName).values));
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

async function main(argv: readonly string[]): Promise<void> {
    const log = (line: string) => process.stderr.write(`images: ${line}\n`);
    let args;
    try {
        args = parseImagesArgs(argv);
    } catch (error) {
        log((error as Error).message);
        process.exit(2);
    }
    const config = stackConfig(args.stack);
    const engine = detectEngine(args.engine);
    log(`engine ${engine}`);
    let nodeImage = args.base;
    if (args.base === "offline") {
        const started = performance.now();
        const base = offlineBase(engine, log);
        nodeImage = base.ref;
        log(`offline base ${base.ref} (${base.assembled ? "assembled" : "reused"} in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
    const revision = gitRevision();
    for (const service of args.services) {
        const built = await buildImage({ engine, service, ref: imageRef(config, service), version: config.images.tag, revision, nodeImage });
        process.stdout.write(`${built.ref}  ${mb(built.sizeBytes)}  ${built.digest}  built in ${built.seconds.toFixed(1)} s\n`);
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((error: unknown) => {
        const known = error instanceof ImagesError || error instanceof StackConfigError || error instanceof StackFileError;
        process.stderr.write(`images: ${known ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
        process.exit(1);
    });
}
