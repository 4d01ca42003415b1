// One promote per stack: a lock file beside the stack file, created exclusively, holding the
// owner's pid. A lock whose process is gone is stale and taken over, saying so.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

export class LockedError extends Error {}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}

export function lockFile(projectDir: string, stack: string): string {
    return path.join(projectDir, `.promote-${stack}.lock`);
}

/** Takes the lock or throws LockedError naming the holder; returns the release function. */
export function acquireLock(projectDir: string, stack: string, log: (line: string) => void): () => void {
    const file = lockFile(projectDir, stack);
    for (let attempt = 0; attempt < 2; attempt++) {
        try {
            writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
            return () => rmSync(file, { force: true });
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
            const holder = Number(readFileSync(file, "utf8").trim());
            if (Number.isInteger(holder) && alive(holder)) {
                throw new LockedError(`another promote (pid ${holder}) is running on stack ${stack}: ${file} is held; wait for it or stop it`);
            }
            log(`removing the stale lock ${file} of pid ${holder}, which is no longer running`);
            rmSync(file, { force: true });
        }
    }
    throw new LockedError(`could not take ${file}`);
}
