// Starts one of this package's TypeScript entry points (dev orchestrator, bare bench server)
// as a child process and waits for the line that says it is up.
import path from "node:path";
import { Child } from "./child";
import { DevError } from "./errors";
import { runFromSources } from "./typescript";

const packageDir = path.resolve(__dirname, "..");

export interface Launched {
    /** Available at once, so a caller interrupted while waiting can still stop it. */
    readonly child: Child;
    /** The regex match of the line that signalled readiness; rejects (after stopping the child) on exit or timeout. */
    readonly ready: Promise<RegExpMatchArray>;
}

/** `entry` is relative to the services package, e.g. "dev/main.ts" (or absolute); `onLine` sees every output line. */
export function launchTs(
    name: string,
    entry: string,
    env: NodeJS.ProcessEnv,
    readyLine: RegExp,
    timeoutMs: number,
    onLine?: (line: string) => void,
): Launched {
    let signalReady: (match: RegExpMatchArray) => void = () => undefined;
    const child = new Child({
        name,
        command: process.execPath,
        args: [...runFromSources, path.resolve(packageDir, entry)],
        env: { ...process.env, ...env },
        onLine: (line) => {
            onLine?.(line);
            const match = line.match(readyLine);
            if (match) signalReady(match);
        },
    });
    const ready = new Promise<RegExpMatchArray>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined = undefined;
        const fail = (why: string) => {
            clearTimeout(timer);
            void child.stop(5_000).then(() => reject(new DevError(`${why}. Last lines:\n${child.lastLines()}`)));
        };
        timer = setTimeout(() => fail(`${name} did not start within ${timeoutMs} ms`), timeoutMs);
        signalReady = (match) => {
            clearTimeout(timer);
            resolve(match);
        };
        void child.exited.then(() => fail(child.describeExit()));
    });
    return { child, ready };
}
