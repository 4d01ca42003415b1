// `npm run check`: renders every Pulumi.<stack>.yaml in the project root into out/<stack>/
// and fails (exit 1) when any stack has a schema error, a mandatory policy violation or
// invalid config. One summary line per stack on stdout; details of a failing stack after it.
import * as path from "node:path";
import { stackNames } from "../capture/stackFile";
import { advisoriesByPolicy, advisoryLine } from "./advisories";
import { type CheckArgs, parseCheckArgs } from "./checkArgs";
import { describeFailure, finish, projectDir } from "./main";
import { isMandatory } from "./policies";
import { exitCodeOf, renderStack } from "./pipeline";
import { formatReport } from "./report";
import { versionSummary } from "./versions";

async function main(argv: string[]): Promise<void> {
    console.log = console.error;
    console.info = console.error;
    let args: CheckArgs;
    try {
        args = parseCheckArgs(argv);
    } catch (error) {
        console.error(`check: ${(error as Error).message}; use npm run render for one stack`);
        return finish("", 2);
    }
    if (args.help) {
        return finish(
            "usage: npm run check [-- [--look-ahead-days <days>] [--today <YYYY-MM-DD>]]\n\nRenders every Pulumi.<stack>.yaml into out/<stack>/ and exits 1 on any schema error,\nmandatory policy violation or invalid stack config. --look-ahead-days also fails a version\nwhose support ends within that many days; --today judges versions on another day.\n",
            0,
        );
    }
    const stacks = stackNames(projectDir);
    if (stacks.length === 0) {
        console.error(`check: no Pulumi.<stack>.yaml in ${projectDir}`);
        return finish("", 2);
    }
    const lines: string[] = [];
    const details: string[] = [];
    const advised: string[] = [];
    let failed = 0;
    for (const stack of stacks) {
        try {
            const result = await renderStack({
                projectDir,
                stack,
                outDir: path.join(projectDir, "out", stack),
                policySettings: args.settings,
                today: args.today,
                log: (line) => console.error(`check: ${stack}: ${line}`),
            });
            const code = exitCodeOf(result);
            const mandatory = result.policies.violations.filter(isMandatory).length;
            const advisory = result.policies.violations.length - mandatory;
            const policies = result.policies.ran ? `${mandatory} mandatory, ${advisory} advisory` : "not run";
            lines.push(
                `${code === 0 ? "ok  " : "FAIL"} ${stack}: ${result.model.resourceCount} resources, ${result.model.kubernetes.length} objects, ` +
                    `${result.schemaErrors.length} schema errors, policies ${policies} (${result.seconds.total.toFixed(1)}s)`,
                `     versions: ${versionSummary(result.versions)}`,
            );
            const advisories = advisoriesByPolicy(result.policies.violations);
            if (advisories.length > 0) {
                lines.push(advisoryLine(stack, advisories));
                advised.push(`${stack} ${advisory}`);
            }
            if (code !== 0) {
                failed++;
                details.push(`--- ${stack}`, formatReport(result).trimEnd());
            }
        } catch (error) {
            failed++;
            const { lines: message } = describeFailure(stack, error);
            lines.push(`FAIL ${stack}: ${message[0].replace(`${stack}: `, "")}`);
            details.push(`--- ${stack}`, ...message);
        }
    }
    const advice = advised.length > 0 ? `advisories: ${advised.join(", ")}` : "no advisories";
    const summary = `check: ${stacks.length - failed}/${stacks.length} stacks pass (no schema error or mandatory violation); ${advice}`;
    finish([...lines, ...(details.length ? ["", ...details] : []), summary, ""].join("\n"), failed ? 1 : 0);
}

if (require.main === module) {
    void main(process.argv.slice(2));
}
