// Which chaos controls a run drives: npm run dev's instances (the file the dev runner writes),
// or the port-forwarded pods named with --control.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { ChaosFile } from "../../services/dev/chaos-file";

const repoRoot = path.resolve(__dirname, "..", "..");

/** Where npm run dev lists its chaos controls (DEV_CHAOS_FILE overrides it for both sides). */
export function devChaosFile(env: NodeJS.ProcessEnv = process.env): string {
    return env.DEV_CHAOS_FILE ?? path.join(repoRoot, ".dev-chaos.json");
}

export interface Control {
    readonly url: string;
    /** Known up front for npm run dev's instances; a port-forwarded control says it when asked. */
    readonly service?: string;
    readonly version?: string;
}

export class TargetError extends Error {}

export function devControls(file: string): Control[] {
    if (!existsSync(file)) {
        throw new TargetError(
            `no chaos controls: ${file} does not exist. Start npm run dev with a stack whose chaos.enabled is true (dev is), or pass --control <url> of a kubectl port-forward`,
        );
    }
    const content = JSON.parse(readFileSync(file, "utf8")) as ChaosFile;
    return content.targets.map((t) => ({ url: t.chaosUrl, service: t.service, version: t.version }));
}
