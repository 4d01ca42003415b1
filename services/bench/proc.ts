// What a process costs, read from Linux's /proc: resident memory and CPU time used so far.
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100;

export interface Resident {
    /** Resident set size in MB: what `ps` and the figures call RSS. */
    readonly rssMb: number;
    /**
     * Of it, the process's own memory (RssAnon: V8's heap, malloc). The rest is file-backed,
     * mostly the node binary's code, shared by every Node process on the machine.
     */
    readonly anonMb: number;
}

/** Resident memory, or undefined where /proc is not there (not Linux). */
export function resident(pid: number): Resident | undefined {
    try {
        const status = readFileSync(`/proc/${pid}/status`, "utf8");
        const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status)?.[1] ?? NaN);
        const rssKb = kb("VmRSS");
        return Number.isNaN(rssKb) ? undefined : { rssMb: rssKb / 1024, anonMb: kb("RssAnon") / 1024 };
    } catch {
        return undefined;
    }
}

/** User + system CPU time in ms, or undefined where /proc is not there. */
export function cpuMs(pid: number): number | undefined {
    try {
        // Fields after the command name (which may hold spaces) start at ")"; utime and stime are the 14th and 15th.
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
    } catch {
        return undefined;
    }
}
