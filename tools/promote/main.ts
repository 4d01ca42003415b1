// `npm run promote -- --stack <name> --service <name> ...`: canary promotion gated by metrics; see args.ts.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { UsageError } from "../render/args";
import { loadStackInput } from "../render/evaluate";
import { describeFailure, projectDir as repoRoot, userPath } from "../render/main";
import { parseDuration, type ServiceName } from "../../stacks";
import { prometheusQuery } from "../verify/metrics";
import { parsePromoteArgs, usage } from "./args";
import { expectDevRouter } from "./devRouter";
import { acquireLock, LockedError } from "./lock";
import { promote, type RolloutPlan } from "./rollout";
import { MissingPulumiError, openPulumiStack, PulumiTarget, StackFileTarget, type StackTarget } from "./target";

const log = (line: string) => process.stderr.write(`promote: ${line}\n`);

/** The Prometheus `npm run dev` started (services/dev/prometheus.ts writes its URL there). */
function devPrometheus(projectDir: string): string {
    const file = path.join(projectDir, ".prometheus", "url");
    if (!existsSync(file)) throw new UsageError(`no --prometheus given and ${file} is missing: start npm run dev (it runs Prometheus) or pass --prometheus`);
    return readFileSync(file, "utf8").trim();
}

async function run(argv: string[]): Promise<number> {
    const args = parsePromoteArgs(argv);
    if (args.help) {
        process.stdout.write(`${usage}\n`);
        return 0;
    }
    const projectDir = args.cwd ? userPath(args.cwd) : repoRoot;
    const config = loadStackInput(projectDir, args.stack, args.sets);
    const canary = config.services[args.service as ServiceName].canary;
    if (!canary) throw new UsageError(`services.${args.service}.canary is not set in Pulumi.${args.stack}.yaml: nothing to promote`);
    const analysis = { ...canary.analysis, ...(args.interval ? { interval: args.interval } : {}) };
    const plan: RolloutPlan = {
        service: args.service,
        stable: canary.stable,
        canary: canary.canary,
        weight: canary.weight,
        steps: canary.steps,
        analysis,
        maxWaitMs: args.maxWaitMs ?? 5 * parseDuration(analysis.interval)!,
    };
    if (args.local) await expectDevRouter(args.local, log);
    const prometheus = args.prometheus ?? devPrometheus(projectDir);
    const release = acquireLock(projectDir, args.stack, log);
    const interrupt = new AbortController();
    const onSignal = () => {
        log("interrupted: stopping after the change in progress, if any");
        interrupt.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
        const target: StackTarget = args.local
            ? new StackFileTarget(projectDir, args.stack)
            : new PulumiTarget(await openPulumiStack(projectDir, args.stack), args.stack, log);
        log(`${args.service}: ${plan.stable} → ${plan.canary} from ${plan.weight}% through ${plan.steps.join(", ")}; gate every ${analysis.interval}: successRate ≥ ${analysis.successRate}%, p99 ≤ ${analysis.maxP99}, requests ≥ ${analysis.minRequests} (Prometheus ${prometheus}) → ${target.describe}`);
        const outcome = await promote(plan, target, prometheusQuery(prometheus), log, interrupt.signal);
        const key = `services.${args.service}.canary`;
        if (outcome.kind === "promoted") {
            log(`promoted: Pulumi.${args.stack}.yaml says ${key}.stable: ${outcome.stable}, weight 0`);
            return 0;
        }
        if (outcome.kind === "rolledBack") {
            log(`rolled back to 0: check ${outcome.check} failed (${outcome.reason}); ${key}.stable is still ${plan.stable}`);
            return 1;
        }
        log(`interrupted: Pulumi.${args.stack}.yaml says ${key}.weight: ${outcome.weight} (stable ${plan.stable}, canary ${plan.canary}); run promote again to continue`);
        return 1;
    } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        release();
    }
}

run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
        if (error instanceof LockedError || error instanceof MissingPulumiError) {
            log(error.message);
            return process.exit(2);
        }
        const { lines, code } = describeFailure("promote", error);
        console.error((code === 2 && lines.at(-1)?.startsWith("usage: npm run render") ? [...lines.slice(0, -1), usage] : lines).join("\n"));
        process.exit(code);
    },
);
