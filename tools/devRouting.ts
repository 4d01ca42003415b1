// What the local router needs from a stack (the product split and each service's faults),
// and a watcher that re-reads Pulumi.<stack>.yaml when it changes, so `promote --local` can
// move the split of a running `npm run dev` by editing the file, as `pulumi up` would.
import { statSync } from "node:fs";
import { fromPulumiConfig, loadStackConfig, projectName, serviceNames, type StackConfig } from "../stacks";
import { parseDuration } from "../stacks/durations";
import { readStackFile, stackFilePath } from "./capture/stackFile";

export interface DevRouting {
    split: { stable: string; canary: string; weight: number; header: string };
    faults: Record<string, { header: string; delay?: { percentage: number; fixedDelayMs: number }; abort?: { percentage: number; httpStatus: number } }>;
}

export function routingFromConfig(config: StackConfig, stack: string): DevRouting {
    const canary = config.services.product.canary;
    if (!canary) throw new Error(`Pulumi.${stack}.yaml runs product without a canary; the local router needs services.product.canary`);
    const faults: DevRouting["faults"] = {};
    for (const service of serviceNames) {
        const f = config.services[service].faults;
        if (!f) continue;
        faults[service] = {
            header: f.header,
            ...(f.delay ? { delay: { percentage: f.delay.percentage, fixedDelayMs: parseDuration(f.delay.fixedDelay)! } } : {}),
            ...(f.abort ? { abort: { percentage: f.abort.percentage, httpStatus: f.abort.httpStatus } } : {}),
        };
    }
    return { split: { stable: canary.stable, canary: canary.canary, weight: canary.weight, header: canary.header }, faults };
}

export function readRouting(projectDir: string, stack: string): DevRouting {
    return routingFromConfig(loadStackConfig(fromPulumiConfig(readStackFile(projectDir, stack, projectName).values)), stack);
}

/** What tells one version of the file from the next: an editor's or promote's rename-over-write changes the inode. */
function fileVersion(file: string): string {
    const stat = statSync(file, { throwIfNoEntry: false });
    return stat ? `${stat.ino}:${stat.size}:${stat.mtimeMs}` : "absent";
}

/**
 * Polls the stack file; returns the stop function. The first version is read before this returns (fs.watchFile
 * takes it later, on the thread pool, so an edit made right after the call could become its baseline and be missed).
 */
export function watchRouting(projectDir: string, stack: string, onRouting: (routing: DevRouting) => void, onError: (message: string) => void, intervalMs = 500): () => void {
    const file = stackFilePath(projectDir, stack);
    let seen = fileVersion(file);
    const timer = setInterval(() => {
        const version = fileVersion(file);
        if (version === seen) return;
        seen = version;
        try {
            onRouting(readRouting(projectDir, stack));
        } catch (err) {
            onError((err as Error).message);
        }
    }, intervalMs);
    return () => clearInterval(timer);
}
