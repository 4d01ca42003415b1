// `npm run render -- --stack <name> ...`: renders one stack; see args.ts for the usage.
import * as path from "node:path";
import { parseRenderArgs, usage, UsageError } from "./args";
import { InputError } from "./evaluate";
import { chooseOutDir } from "./outDir";
import { exitCodeOf, renderStack } from "./pipeline";
import { formatReport, jsonReport } from "./report";

export const projectDir = path.resolve(__dirname, "..", "..");

/** Writes to stdout, then exits once it is flushed (a pipe may take a while). */
export function finish(stdout: string, code: number): void {
    if (!stdout) {
        process.exit(code);
    }
    process.stdout.write(stdout, () => process.exit(code));
}

/** stderr line for an error: InputError/UsageError lines as they are, others with their message. */
export function describeFailure(prefix: string, error: unknown): { lines: string[]; code: number } {
    if (error instanceof UsageError) {
        return { lines: [`${prefix}: ${error.message}`, "", usage], code: 2 };
    }
    if (error instanceof InputError) {
        return { lines: error.lines.map((line) => `${prefix}: ${line}`), code: 2 };
    }
    const message = error instanceof Error ? error.message : String(error);
    const lines = [`${prefix}: failed: ${message}`];
    if (process.env.RENDER_DEBUG && error instanceof Error && error.stack) {
        lines.push(error.stack);
    } else {
        lines.push(`${prefix}: (set RENDER_DEBUG=1 for the stack trace)`);
    }
    return { lines, code: 1 };
}

/** Paths on the command line are the user's: `npm run` moves to the project root but keeps INIT_CWD. */
export function userPath(value: string): string {
    return path.resolve(process.env.INIT_CWD ?? process.cwd(), value);
}

async function main(argv: string[]): Promise<void> {
    // Anything the program or a library prints goes to stderr: stdout is the report alone.
    console.log = console.error;
    console.info = console.error;
    let args;
    try {
        args = parseRenderArgs(argv);
    } catch (error) {
        const { lines, code } = describeFailure("render", error);
        console.error(lines.join("\n"));
        return finish("", code);
    }
    if (args.help) {
        return finish(`${usage}\n`, 0);
    }
    const stack = args.stack!;
    try {
        const compareDir = args.compare ? userPath(args.compare) : undefined;
        const { outDir, note } = chooseOutDir(projectDir, stack, args.out ? userPath(args.out) : undefined, compareDir);
        if (note) console.error(`render: ${note}`);
        const result = await renderStack({
            projectDir,
            stack,
            sets: args.sets,
            outDir,
            compareDir,
            log: (line) => console.error(`render: ${line}`),
        });
        if (args.compare) {
            result.comparison!.against = args.compare;
        }
        const code = exitCodeOf(result);
        console.error(`render: done in ${result.seconds.total.toFixed(1)}s, exit ${code}`);
        finish(args.json ? `${JSON.stringify(jsonReport(result), null, 2)}\n` : formatReport(result), code);
    } catch (error) {
        const { lines, code } = describeFailure("render", error);
        console.error(lines.join("\n"));
        if (args.json) {
            return finish(`${JSON.stringify({ stack, exitCode: code, error: lines.map((l) => l.replace(/^render: /, "")) }, null, 2)}\n`, code);
        }
        finish("", code);
    }
}

if (require.main === module) {
    void main(process.argv.slice(2));
}
