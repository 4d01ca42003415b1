// Where promote's config changes go. Both targets take the same list of `pulumi config set
// --path` changes; the Pulumi target also runs `up`. The rollout logic (rollout.ts) only sees
// this interface, so tests drive it through a fake exactly as it drives the real ones.
import { renameSync, readFileSync, writeFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { projectName } from "../../stacks";
import { stackFilePath } from "../capture/stackFile";

/** One `pulumi config set --path <path> <value>`, the path without the project prefix. */
export interface ConfigChange {
    readonly path: string;
    readonly value: string | number;
}

export interface StackTarget {
    /** For messages: what a change is applied to. */
    readonly describe: string;
    /** Applies the changes together; resolves once the system serves them. */
    apply(changes: readonly ConfigChange[]): Promise<void>;
}

/** The path segments Pulumi's `--path` writes into the stack file: `project:head`, then the rest. */
function yamlPath(change: ConfigChange): string[] {
    const [head, ...rest] = change.path.split(".");
    return ["config", `${projectName}:${head}`, ...rest];
}

/**
 * `--local`: edits Pulumi.<stack>.yaml in place (comments and layout kept) with one atomic
 * rename, as `pulumi config set --path` would write it; npm run dev's router polls the file
 * and reloads the split within `settleMs`.
 */
export class StackFileTarget implements StackTarget {
    readonly describe: string;
    constructor(
        private readonly projectDir: string,
        private readonly stack: string,
        private readonly settleMs = 1_500,
    ) {
        this.describe = `Pulumi.${stack}.yaml (npm run dev follows it)`;
    }

    async apply(changes: readonly ConfigChange[]): Promise<void> {
        const file = stackFilePath(this.projectDir, this.stack);
        const doc = parseDocument(readFileSync(file, "utf8"));
        for (const change of changes) doc.setIn(yamlPath(change), change.value);
        const temporary = `${file}.promote-${process.pid}`;
        writeFileSync(temporary, doc.toString());
        renameSync(temporary, file);
        await new Promise((resolve) => setTimeout(resolve, this.settleMs));
    }
}

/** The part of an Automation API Stack promote uses (a fake in tests). */
export interface AutomationStack {
    setConfig(key: string, value: { value: string; secret?: boolean }, path?: boolean): Promise<void>;
    up(opts: { onOutput?: (out: string) => void }): Promise<{ summary: { result?: string } }>;
}

/** A real stack: `setConfig(..., path: true)` per change (written to Pulumi.<stack>.yaml), then `up`. */
export class PulumiTarget implements StackTarget {
    readonly describe: string;
    constructor(
        private readonly stack: AutomationStack,
        stackName: string,
        private readonly log: (line: string) => void,
    ) {
        this.describe = `stack ${stackName} (pulumi up)`;
    }

    async apply(changes: readonly ConfigChange[]): Promise<void> {
        for (const change of changes) await this.stack.setConfig(`${projectName}:${change.path}`, { value: String(change.value) }, true);
        const result = await this.stack.up({ onOutput: (out) => out.split("\n").filter(Boolean).forEach((line) => this.log(`pulumi: ${line}`)) });
        if (result.summary.result && result.summary.result !== "succeeded") throw new Error(`pulumi up ${result.summary.result}`);
    }
}

export class MissingPulumiError extends Error {}

/** Opens the stack with the Automation API; fails at once, with what to do, when the CLI is missing. */
export async function openPulumiStack(projectDir: string, stackName: string): Promise<AutomationStack> {
    const { LocalWorkspace, PulumiCommand } = await import("@pulumi/pulumi/automation/index.js");
    let pulumiCommand;
    try {
        pulumiCommand = await PulumiCommand.get();
    } catch (error) {
        const why = /code: -2|ENOENT/.test(String(error)) ? "no pulumi on PATH" : (error as Error).message.split("\n")[0];
        throw new MissingPulumiError(`the Pulumi CLI is needed to promote a real stack (${why}): install it from https://www.pulumi.com/docs/install/, or use --local <dev router url> against npm run dev`);
    }
    return LocalWorkspace.selectStack({ stackName, workDir: projectDir }, { pulumiCommand });
}
