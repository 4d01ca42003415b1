// Command-line arguments of `npm run promote`.
import { parseDuration, serviceNames } from "../../stacks";
import { checkStackFlags, httpUrlFlag, parseFlags, UsageError } from "../render/args";

export const usage = `usage: npm run promote -- --stack <name> --service <name> [--local <dev router url>] [--prometheus <url>] [--interval <duration>]

Steps services.<service>.canary.weight through services.<service>.canary.steps. After each step
it waits canary.analysis.interval, then checks the canary in Prometheus (success rate, p99, a
minimum of requests); a failed check rolls back to weight 0 (exit 1). After 100 the canary
becomes the stable version at weight 0. Each step is a stack config change: with the Pulumi
Automation API (setConfig --path, then up), or with --local an edit of Pulumi.<stack>.yaml that
npm run dev's router follows.

  --stack <name>          stack to promote (Pulumi.<name>.yaml)
  --service <name>        service whose canary moves (${serviceNames.join(", ")})
  --local <url>           npm run dev's router instead of pulumi up; Prometheus defaults to dev's
  --prometheus <url>      Prometheus to read the gate from (required without --local)
  --interval <duration>   override canary.analysis.interval, e.g. 30s
  --max-wait <duration>   how long a step waits for minRequests (default 5 intervals)
  --set key.path=value    override a config value for reading, as render does (repeatable)
  --cwd <dir>             project directory (default: this repository)
  --help                  print this help

exit status: 0 promoted; 1 rolled back (the failed check is named) or interrupted; 2 bad usage,
invalid stack config, another promote running, or no Pulumi CLI.`;

export interface PromoteArgs {
    help: boolean;
    stack: string;
    service: string;
    local?: string;
    prometheus?: string;
    interval?: string;
    maxWaitMs?: number;
    sets: string[];
    cwd?: string;
}

export function parsePromoteArgs(argv: string[]): PromoteArgs {
    const values = parseFlags(argv, {
        stack: { type: "string" },
        service: { type: "string" },
        local: { type: "string" },
        prometheus: { type: "string" },
        interval: { type: "string" },
        "max-wait": { type: "string" },
        set: { type: "string", multiple: true },
        cwd: { type: "string" },
        help: { type: "boolean", short: "h" },
    });
    if (values.help) return { help: true, stack: "", service: "", sets: [] };
    if (!values.stack) throw new UsageError("--stack <name> is required");
    checkStackFlags(values.stack, values.set ?? []);
    if (!values.service) throw new UsageError("--service <name> is required");
    if (!(serviceNames as readonly string[]).includes(values.service)) throw new UsageError(`--service ${values.service}: not one of ${serviceNames.join(", ")}`);
    for (const [flag, value] of [["--interval", values.interval], ["--max-wait", values["max-wait"]]] as const) {
        if (value !== undefined && parseDuration(value) === undefined) throw new UsageError(`${flag} ${value}: not a duration such as 30s or 2m`);
    }
    if (!values.local && !values.prometheus) throw new UsageError("--prometheus <url> is required without --local (the gate reads the canary's metrics there)");
    return {
        help: false,
        stack: values.stack,
        service: values.service,
        local: values.local === undefined ? undefined : httpUrlFlag("--local", values.local),
        prometheus: values.prometheus === undefined ? undefined : httpUrlFlag("--prometheus", values.prometheus),
        interval: values.interval,
        maxWaitMs: values["max-wait"] === undefined ? undefined : parseDuration(values["max-wait"]),
        sets: values.set ?? [],
        cwd: values.cwd,
    };
}
