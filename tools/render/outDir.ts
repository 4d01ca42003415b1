// Where a render is written. --compare names a baseline that must survive the render: the
// default out/<stack> is moved aside when it is the baseline, and an --out that would replace
// the baseline is refused, so running the same compare twice reports the same changes.
import * as path from "node:path";
import { UsageError } from "./args";

export interface OutDirChoice {
    outDir: string;
    /** Set when the render goes somewhere else than asked for by default: say so. */
    note?: string;
}

/** `out` and `compare` are absolute (resolved from the user's directory) or undefined. */
export function chooseOutDir(projectDir: string, stack: string, out: string | undefined, compare: string | undefined): OutDirChoice {
    const defaultDir = path.join(projectDir, "out", stack);
    const outDir = out ?? defaultDir;
    if (compare === undefined || !replaces(outDir, compare)) return { outDir };
    if (out !== undefined) {
        throw new UsageError(`--out ${out} would replace the render that --compare ${compare} compares against; write the new render elsewhere`);
    }
    const aside = path.join(projectDir, "out", `${stack}.next`);
    return {
        outDir: aside,
        note: `--compare ${path.relative(projectDir, compare) || "."} is where --stack ${stack} writes by default; writing this render to ${path.relative(projectDir, aside)} so the baseline stays as it is (--out chooses another dir)`,
    };
}

/** Writing `outDir` replaces it, so it must be neither the baseline nor a dir holding it. */
function replaces(outDir: string, compare: string): boolean {
    const relative = path.relative(path.resolve(outDir), path.resolve(compare));
    return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}
