// What a process costs, read from Linux's /proc: resident memory and CPU time used so far.
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100;

/** Resident set size in MB, or undefined where /proc is not there (not Linux). */
export function rssMb(pid: number): number | undefined {
    try {
        const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
        return kb === undefined ? undefined : Number(kb) / 1024;
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
