// Command-line arguments of `npm run chaos`; --stack and --set mean what they mean to render.
// Every error names the flag and the values it allows.
import { apiRoutes } from "../../services/src/runtime/api-surface";
import { maxChaosTtlSeconds, type ChaosRequest } from "../../services/src/runtime/chaos";
import { serviceNames, type ServiceName } from "../../services/src/runtime/service-names";
import { parseDuration } from "../../stacks/durations";
import { checkStackFlags, httpUrlFlag, parseFlags, UsageError } from "../render/args";

export const usage = `usage: npm run chaos -- --stack <name> --service <name> (--error-rate <0-1> | --latency <duration>) [options]
       npm run chaos -- --stack <name> --list
       npm run chaos -- --stack <name> --clear [--service <name>]

Makes every instance of a service fail or slow down for a while, through the chaos control each
instance runs when the stack's chaos.enabled is true (docs/canary.md#chaos-at-run-time). It
drives npm run dev's instances, or with --control the pods you port-forwarded to.

  --stack <name>          stack whose config says chaos.enabled (Pulumi.<name>.yaml)
  --set key.path=value    override a config value as render does (repeatable)
  --service <name>        ${serviceNames.join(", ")}
  --version <version>     only this version's instances (default: all)
  --error-rate <0-1>      share of requests that fail
  --answer <status|reset> a status from 500 to 599 (default 500), or reset: no answer at all
  --latency <duration>    wait before answering: 20s, or a range such as 200ms-2s
  --route "<METHOD path>" only this route of the API surface, e.g. "GET /api/inventory/:productId"
  --for <duration>        time to live, from 1s to 1h (default 2m): then it ends by itself
  --list                  show what each instance is doing
  --clear                 end the scenario now
  --control <url>         a chaos control to drive instead of npm run dev's (repeatable), e.g.
                          http://127.0.0.1:9901 after kubectl port-forward pod/<pod> 9901
  --help                  print this help

exit status: 0 done; 1 a control did not accept; 2 bad usage or chaos off in the stack.`;

export type ChaosAction = { readonly kind: "set"; readonly service: ServiceName; readonly request: ChaosRequest } | { readonly kind: "list" } | { readonly kind: "clear"; readonly service?: ServiceName };

export interface ChaosArgs {
    readonly help: boolean;
    readonly stack: string;
    readonly sets: string[];
    readonly version?: string;
    readonly controls: string[];
    readonly action: ChaosAction;
}

const defaultTtl = "2m";
const maxLatencyMs = 600_000;

function duration(flag: string, text: string, allowed: string, min: number, max: number): number {
    const ms = parseDuration(text);
    if (ms === undefined || ms < min || ms > max) throw new UsageError(`${flag} ${JSON.stringify(text)}: expected ${allowed}`);
    return ms;
}

function latency(text: string): { latencyMs: number; latencyMaxMs?: number } {
    const allowed = "a duration such as 20s, or a range such as 200ms-2s, up to 10m";
    const [low, high, ...rest] = text.split("-");
    if (rest.length) throw new UsageError(`--latency ${JSON.stringify(text)}: expected ${allowed}`);
    const latencyMs = duration("--latency", low, allowed, 1, maxLatencyMs);
    if (high === undefined) return { latencyMs };
    const latencyMaxMs = duration("--latency", high, allowed, latencyMs, maxLatencyMs);
    return { latencyMs, latencyMaxMs };
}

function service(text: string): ServiceName {
    if (!(serviceNames as readonly string[]).includes(text)) throw new UsageError(`--service ${JSON.stringify(text)}: expected one of ${serviceNames.join(", ")}`);
    return text as ServiceName;
}

export function parseChaosArgs(argv: string[]): ChaosArgs {
    const values = parseFlags(argv, {
        stack: { type: "string" },
        set: { type: "string", multiple: true },
        service: { type: "string" },
        version: { type: "string" },
        "error-rate": { type: "string" },
        answer: { type: "string" },
        latency: { type: "string" },
        route: { type: "string" },
        for: { type: "string" },
        list: { type: "boolean" },
        clear: { type: "boolean" },
        control: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
    });
    const base = { stack: values.stack ?? "", sets: values.set ?? [], version: values.version, controls: (values.control ?? []).map((url) => httpUrlFlag("--control", url)) };
    if (values.help) return { help: true, ...base, action: { kind: "list" } };
    if (!values.stack) throw new UsageError("--stack <name> is required");
    checkStackFlags(values.stack, base.sets);
    const scenarioFlags = (["error-rate", "answer", "latency", "route", "for"] as const).filter((flag) => values[flag] !== undefined);
    if (values.list || values.clear) {
        if (values.list && values.clear) throw new UsageError("--list and --clear: expected one of them");
        if (scenarioFlags.length) throw new UsageError(`--${scenarioFlags[0]}: not allowed with --${values.list ? "list" : "clear"}`);
        if (values.list) return { help: false, ...base, action: { kind: "list" } };
        return { help: false, ...base, action: { kind: "clear", service: values.service === undefined ? undefined : service(values.service) } };
    }
    if (values.service === undefined) throw new UsageError(`--service <name> is required (one of ${serviceNames.join(", ")}), or --list, or --clear`);
    const target = service(values.service);
    if (values["error-rate"] === undefined && values.latency === undefined) throw new UsageError("--error-rate <0-1> or --latency <duration> is required");
    const errorRate = values["error-rate"] === undefined ? 0 : Number(values["error-rate"]);
    if (values["error-rate"] !== undefined && (values["error-rate"].trim() === "" || !Number.isFinite(errorRate) || errorRate < 0 || errorRate > 1)) {
        throw new UsageError(`--error-rate ${JSON.stringify(values["error-rate"])}: expected a number from 0 to 1`);
    }
    let errorAnswer: number | "reset" = 500;
    if (values.answer !== undefined) {
        errorAnswer = values.answer === "reset" ? "reset" : Number(values.answer);
        if (errorAnswer !== "reset" && !(Number.isInteger(errorAnswer) && errorAnswer >= 500 && errorAnswer <= 599)) {
            throw new UsageError(`--answer ${JSON.stringify(values.answer)}: expected a status from 500 to 599, or reset`);
        }
    }
    const routes = apiRoutes.filter((r) => r.service === target).map((r) => `${r.method} ${r.path}`);
    if (values.route !== undefined && !routes.includes(values.route)) {
        throw new UsageError(`--route ${JSON.stringify(values.route)}: expected one of ${target}'s routes: ${routes.map((r) => JSON.stringify(r)).join(", ")}`);
    }
    const ttlMs = duration("--for", values.for ?? defaultTtl, "a duration from 1s to 1h, such as 2m", 1_000, maxChaosTtlSeconds * 1000);
    const request: ChaosRequest = {
        errorRate,
        errorAnswer,
        ...(values.latency === undefined ? { latencyMs: 0 } : latency(values.latency)),
        ...(values.route === undefined ? {} : { route: values.route }),
        ttlSeconds: Math.ceil(ttlMs / 1000),
    };
    return { help: false, ...base, action: { kind: "set", service: target, request } };
}
