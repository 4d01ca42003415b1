// Command-line arguments of `npm run render`.
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

export const usage = `usage: npm run render -- --stack <name> [--out <dir>] [--set key.path=value ...] [--compare <dir>] [--json]

Evaluates the program for Pulumi.<name>.yaml (no cloud, no cluster), writes every Kubernetes
object, Helm release and Azure resource it would create, validates the Kubernetes objects
against the Kubernetes and Istio schemas and runs the policy pack.

  --stack <name>        stack to render (Pulumi.<name>.yaml in the project root)
  --out <dir>           render dir (default out/<name>); the previous render there is replaced
  --set key.path=value  override a config value like 'pulumi config set --path' (repeatable),
                        e.g. --set services.product.canary.weight=25
  --compare <dir>       list objects added, changed (with the changed fields) or removed
                        against an earlier render dir, which is never overwritten (the
                        default out/<name> moves to out/<name>.next when it is that dir)
  --json                print a machine-readable report on stdout instead of text
  --help                print this help

exit status: 0 clean or advisory findings only; 1 a schema error or a mandatory policy
violation; 2 bad usage or invalid stack config.`;

export interface RenderArgs {
    help: boolean;
    stack?: string;
    out?: string;
    sets: string[];
    compare?: string;
    json: boolean;
}

export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** A flag that takes a base URL (`--target`, `--prometheus`, `--local`), without its trailing slashes. */
export function httpUrlFlag(flag: string, value: string): string {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        throw new UsageError(`${flag} ${JSON.stringify(value)}: not a URL such as http://127.0.0.1:8080`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`${flag} ${value}: must be http:// or https://`);
    return value.replace(/\/+$/, "");
}

/** Names a Pulumi.<name>.yaml in the project root, never a path. */
export function validStackName(stack: string): boolean {
    return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(stack);
}

/** Strict flags, no positionals; a bad flag is a UsageError naming it. */
export function parseFlags<T extends ParseArgsOptionsConfig>(argv: string[], options: T) {
    try {
        return parseArgs({ args: argv, strict: true, allowPositionals: false, options }).values;
    } catch (error) {
        // node's messages name the bad flag; drop its own hint to use "--" (not ours to give).
        throw new UsageError((error as Error).message.split(/\. To specify/)[0]);
    }
}

/** The checks --stack and --set get in every tool that reads a stack as render does. */
export function checkStackFlags(stack: string, sets: readonly string[]): void {
    if (!validStackName(stack)) {
        throw new UsageError(`--stack ${JSON.stringify(stack)}: not a stack name (letters, digits, '-', '_', '.')`);
    }
    for (const assignment of sets) {
        if (!/^[^=\s]+=/.test(assignment)) {
            throw new UsageError(`--set ${assignment}: expected key.path=value`);
        }
    }
}

export function parseRenderArgs(argv: string[]): RenderArgs {
    const values = parseFlags(argv, {
        stack: { type: "string" },
        out: { type: "string" },
        set: { type: "string", multiple: true },
        compare: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
    });
    const args: RenderArgs = {
        help: values.help ?? false,
        stack: values.stack,
        out: values.out,
        sets: values.set ?? [],
        compare: values.compare,
        json: values.json ?? false,
    };
    if (args.help) {
        return args;
    }
    if (!args.stack) {
        throw new UsageError("--stack <name> is required");
    }
    for (const [flag, value] of [["--stack", args.stack], ["--out", args.out], ["--compare", args.compare]] as const) {
        if (value !== undefined && (value === "" || value.startsWith("--"))) {
            throw new UsageError(`${flag} needs a value`);
        }
    }
    checkStackFlags(args.stack, args.sets);
    return args;
}
