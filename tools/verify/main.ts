// `npm run verify -- --target <url> --stack <name> ...`: the testing guide as a program; see args.ts.
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { fetchFrom, toolSources } from "../../services/dev/source-address";
import { describeFailure, finish, projectDir } from "../render/main";
import { loadStackInput } from "../render/evaluate";
import { parseVerifyArgs, usage } from "./args";
import { checkEndpoints, checkFaults, checkOrder, checkSplit, type CheckContext, type CheckResult } from "./checks";
import { Budget, BudgetExhausted } from "./client";
import { runScenario } from "./chaosRun";
import { checkMetrics, prometheusQuery } from "./metrics";
import { formatTable, summary } from "./report";
import { scenarios } from "./scenarios";
import { customerAuth } from "./surface";
import { checkTls } from "./tls";

const progress = (line: string) => process.stderr.write(`verify: ${line}\n`);

/** Runs each group of checks; a group that cannot finish (budget, connection) fails under its name. */
async function runChecks(context: CheckContext): Promise<CheckResult[]> {
    const groups: [string, (c: CheckContext) => Promise<CheckResult[]>][] = [
        ["endpoints", checkEndpoints],
        ["product split", checkSplit],
        ["order", checkOrder],
        ["faults", checkFaults],
    ];
    const results: CheckResult[] = [];
    for (const [name, check] of groups) {
        try {
            results.push(...(await check(context)));
        } catch (error) {
            const why = error instanceof BudgetExhausted ? error.message : `${(error as Error).message}${(error as { cause?: Error }).cause ? `: ${(error as { cause: Error }).cause.message}` : ""}`;
            results.push({ check: name, status: "fail", observed: why, expected: "the check completes" });
        }
    }
    return results;
}

async function main(argv: string[]): Promise<void> {
    let args;
    try {
        args = parseVerifyArgs(argv);
        if (args.help) return finish(`${usage}\n`, 0);
        const config = loadStackInput(projectDir, args.stack, args.sets);
        const started = Date.now();
        let toldAt = -Infinity;
        const rateLimited = (waitMs: number) => {
            if (Date.now() - toldAt < 5_000) return; // many requests wait at once: say it every 5 s at most
            toldAt = Date.now();
            progress(`rate limited by the edge (429): waiting ${(waitMs / 1000).toFixed(0)}s (Retry-After) and sending again`);
        };
        if (args.ca) {
            // fetch (the other checks) then trusts the private CA too.
            setDefaultCACertificates([...getCACertificates("default"), args.ca]);
        }
        if (args.chaos) {
            const scenario = scenarios[args.chaos.scenario];
            progress(`${scenario.name}: ${scenario.summary}, for ${args.chaos.durationMs / 1000}s`);
            const { results } = await runScenario({
                scenario,
                target: args.target,
                config,
                controls: args.chaos.controls,
                durationMs: args.chaos.durationMs,
                auth: await customerAuth(args.token),
                query: args.prometheus ? prometheusQuery(args.prometheus) : undefined,
                progress,
            });
            const totals = summary(results);
            return finish(args.json ? `${JSON.stringify({ stack: args.stack, scenario: scenario.name, ...totals, checks: results }, null, 2)}\n` : `${formatTable(results)}\n`, totals.failed ? 1 : 0);
        }
        const sourced = await fetchFrom(args.target, toolSources.verify);
        if (sourced.note) progress(sourced.note);
        const budget = new Budget(args.target, args.maxRequests, args.timeoutMs, await customerAuth(args.token), undefined, rateLimited, sourced.fetch);
        progress(`checking ${args.target} against stack ${args.stack} (at most ${args.maxRequests} requests, ${args.timeoutMs / 1000}s)`);
        const results = await runChecks({ budget, config, progress });
        if (args.target.startsWith("https:")) {
            results.push(...(await checkTls(args.target, config, args.ca)));
        }
        if (args.prometheus) {
            const waitMs = Math.max(0, Math.min(60_000, budget.deadline - Date.now()));
            try {
                results.push(...(await checkMetrics(prometheusQuery(args.prometheus), config, started, waitMs, progress)));
            } catch (error) {
                results.push({ check: "metrics", status: "fail", observed: (error as Error).message, expected: `Prometheus at ${args.prometheus} answers` });
            }
        }
        const totals = summary(results);
        const code = totals.failed ? 1 : 0;
        const seconds = (Date.now() - started) / 1000;
        progress(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped; ${budget.sent} requests in ${seconds.toFixed(1)}s`);
        const out = args.json
            ? `${JSON.stringify({ stack: args.stack, target: args.target, exitCode: code, ...totals, requests: budget.sent, seconds, checks: results }, null, 2)}\n`
            : `${formatTable(results)}\n`;
        finish(out, code);
    } catch (error) {
        const { lines, code } = describeFailure("verify", error);
        // Our usage, not render's.
        console.error((code === 2 && lines.at(-1)?.startsWith("usage: npm run render") ? [...lines.slice(0, -1), usage] : lines).join("\n"));
        if (args?.json) return finish(`${JSON.stringify({ stack: args.stack, exitCode: code, error: lines.map((l) => l.replace(/^verify: /, "")) }, null, 2)}\n`, code);
        finish("", code);
    }
}

if (require.main === module) void main(process.argv.slice(2));
