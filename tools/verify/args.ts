// Command-line arguments of `npm run verify`; --stack and --set mean what they mean to render.
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseDuration } from "../../stacks";
import { checkStackFlags, httpUrlFlag, parseFlags, UsageError } from "../render/args";
import { scenarioNames, type ScenarioName } from "./scenarios";

export const usage = `usage: npm run verify -- --target <base url> --stack <name> [--set key.path=value ...] [--prometheus <url>] [--ca <pem file>] [--json]

Checks a live system through its gateway against what Pulumi.<name>.yaml says it runs: every
service answers, the product split matches canary.weight (binomial test), x-version pins a
version, faults do what they say, the guide's order goes through, and (with --prometheus) the
metrics move. An https target also gets the TLS checks: the certificate is valid for the host
and chains to the expected CA, plain HTTP redirects, HSTS is set, and TLS below
edge.minTlsVersion is refused.

  --target <url>          the gateway: npm run dev's router or the stack's ingressUrl
  --stack <name>          stack whose config is expected (Pulumi.<name>.yaml)
  --set key.path=value    override a config value as render does (repeatable)
  --prometheus <url>      also check the metrics in this Prometheus
  --ca <pem file>         trust this CA for an https target (npm run dev's .dev-tls/ca.pem, the
                          local stack's edge-ca); default: the system's roots
  --token <jwt>           bearer token of customer 1 for customer routes (default: minted by the
                          development issuer, as npm run token -- --user 1 does)
  --max-requests <n>      request budget (default 4000)
  --timeout <duration>    time budget, e.g. 3m (default 5m)
  --chaos <scenario>       instead of the checks: run a chaos scenario (${scenarioNames.join(", ")}) for
                          --for (default 60s) with traffic through --target, then check what
                          --prometheus shows (docs/canary.md#scenarios-verify---chaos)
  --control <url>         with --chaos: a port-forwarded chaos control (repeatable); default: npm run dev's
  --for <duration>        with --chaos: how long the scenario and its traffic run
  --json                  print one JSON document on stdout instead of the table
  --help                  print this help

exit status: 0 every check passes; 1 a check failed; 2 bad usage or invalid stack config.`;

export interface VerifyArgs {
    help: boolean;
    target: string;
    stack: string;
    sets: string[];
    prometheus?: string;
    /** PEM of a private CA to trust, read from --ca. */
    ca?: string;
    token?: string;
    maxRequests: number;
    timeoutMs: number;
    json: boolean;
    /** --chaos: run this scenario instead of the checks. */
    chaos?: { readonly scenario: ScenarioName; readonly controls: string[]; readonly durationMs: number };
}

export function parseVerifyArgs(argv: string[]): VerifyArgs {
    const values = parseFlags(argv, {
        target: { type: "string" },
        stack: { type: "string" },
        set: { type: "string", multiple: true },
        prometheus: { type: "string" },
        ca: { type: "string" },
        token: { type: "string" },
        "max-requests": { type: "string" },
        timeout: { type: "string" },
        json: { type: "boolean" },
        chaos: { type: "string" },
        control: { type: "string", multiple: true },
        for: { type: "string" },
        help: { type: "boolean", short: "h" },
    });
    if (values.help) return { help: true, target: "", stack: "", sets: [], maxRequests: 0, timeoutMs: 0, json: false };
    if (!values.target) throw new UsageError("--target <base url> is required");
    if (!values.stack) throw new UsageError("--stack <name> is required");
    checkStackFlags(values.stack, values.set ?? []);
    const maxRequests = Number(values["max-requests"] ?? 4000);
    if (!Number.isInteger(maxRequests) || maxRequests < 500) throw new UsageError(`--max-requests ${values["max-requests"]}: not an integer of at least 500 (the split alone needs 400)`);
    const timeoutMs = parseDuration(values.timeout ?? "5m");
    if (timeoutMs === undefined) throw new UsageError(`--timeout ${values.timeout}: not a duration such as 90s or 5m`);
    return {
        help: false,
        target: httpUrlFlag("--target", values.target),
        stack: values.stack,
        sets: values.set ?? [],
        prometheus: values.prometheus === undefined ? undefined : httpUrlFlag("--prometheus", values.prometheus),
        ca: values.ca === undefined ? undefined : readCa(values.ca),
        token: values.token,
        maxRequests,
        timeoutMs,
        json: values.json ?? false,
        ...(values.chaos === undefined ? noChaosFlags(values.control, values.for) : { chaos: chaosFlags(values.chaos, values.control ?? [], values.for) }),
    };
}

function noChaosFlags(controls: string[] | undefined, duration: string | undefined): object {
    if (controls !== undefined || duration !== undefined) throw new UsageError(`--${controls !== undefined ? "control" : "for"}: only with --chaos <scenario>`);
    return {};
}

function chaosFlags(scenario: string, controls: string[], duration: string | undefined): NonNullable<VerifyArgs["chaos"]> {
    if (!(scenarioNames as readonly string[]).includes(scenario)) throw new UsageError(`--chaos ${JSON.stringify(scenario)}: expected one of ${scenarioNames.join(", ")}`);
    const durationMs = parseDuration(duration ?? "60s");
    if (durationMs === undefined || durationMs < 5_000 || durationMs > 600_000) throw new UsageError(`--for ${JSON.stringify(duration)}: expected a duration from 5s to 10m`);
    return { scenario: scenario as ScenarioName, controls: controls.map((url) => httpUrlFlag("--control", url)), durationMs };
}

function readCa(file: string): string {
    let pem: string;
    try {
        pem = readFileSync(file, "utf8");
    } catch (error) {
        throw new UsageError(`--ca ${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    try {
        if (!new X509Certificate(pem).ca) throw new Error("not a CA certificate");
    } catch (error) {
        throw new UsageError(`--ca ${file}: not a PEM CA certificate (${(error as Error).message})`);
    }
    return pem;
}
