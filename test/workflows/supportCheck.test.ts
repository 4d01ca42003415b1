// The daily support check (.github/workflows/support-check.yml): its schedule, the command it
// runs, and that command's logic on a fixed day near an end date, through the same argument
// parser, config overlay and policy pack that `npm run check` uses (tools/render/check.ts).
import { expect } from "chai";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { loadPolicyConfig, type PolicyConfig, runPolicies } from "../../policies/runner";
import { istioSupportedVersion, kubernetesSupportedVersion, postgresSupportedVersion } from "../../policies/rules/versions";
import { datedPolicies, parseCheckArgs } from "../../tools/render/checkArgs";
import { withSettings } from "../../tools/render/policies";
import { capture } from "../policies/support";

interface Step { run?: string; uses?: string; with?: Record<string, unknown> }
interface Workflow {
    on: Record<string, unknown>;
    jobs: Record<string, { env?: Record<string, string>; steps: Step[] }>;
}

const workflow = parse(readFileSync(path.resolve(__dirname, "..", "..", ".github", "workflows", "support-check.yml"), "utf8")) as Workflow;
const [job] = Object.values(workflow.jobs);
const checkStep = job.steps.find((s) => s.run?.startsWith("npm run check"))!;

/** The look-ahead of a scheduled run (no inputs), the same as the manual run's default. */
function defaultLookAhead(): string {
    const match = /^\$\{\{ inputs\.look-ahead-days \|\| (\d+) \}\}$/.exec(job.env?.LOOK_AHEAD_DAYS ?? "");
    expect(match, `LOOK_AHEAD_DAYS: ${job.env?.LOOK_AHEAD_DAYS}`).to.not.equal(null);
    const dispatch = workflow.on.workflow_dispatch as { inputs: Record<string, { default: string }> };
    expect(String(dispatch.inputs["look-ahead-days"].default)).to.equal(match![1]);
    return match![1];
}

/** The arguments the step passes to `npm run check`, with $LOOK_AHEAD_DAYS substituted. */
function stepArgs(lookAhead: string): string[] {
    const [, rest] = checkStep.run!.split(/^npm run check -- /);
    return rest.split(/\s+/).map((arg) => arg.replace(/^"\$LOOK_AHEAD_DAYS"$/, lookAhead));
}

describe("daily support check", () => {
    it("runs every day on a schedule (and by hand) against main", () => {
        const schedule = workflow.on.schedule as { cron: string }[];
        expect(schedule).to.have.length(1);
        // minute hour day-of-month month day-of-week: once a day.
        expect(schedule[0].cron).to.match(/^\d{1,2} \d{1,2} \* \* \*$/);
        expect(workflow.on).to.have.property("workflow_dispatch");
        expect(job.steps.find((s) => s.uses?.startsWith("actions/checkout"))?.with?.ref).to.equal("main");
    });

    it("runs npm run check with the look-ahead, which parses into every dated policy's settings", () => {
        const args = parseCheckArgs(stepArgs(defaultLookAhead()));
        expect(args.help).to.equal(false);
        const settings = (args as { settings: Record<string, Record<string, unknown>> }).settings;
        expect(Object.keys(settings)).to.have.members([...datedPolicies]);
        for (const policy of datedPolicies) {
            expect(settings[policy]).to.deep.equal({ lookAheadDays: Number(defaultLookAhead()) });
        }
    });

    it("fails prod on a fixed day 20 days before AKS 1.36's last day (2027-06-30), and passes without the look-ahead", async () => {
        const prod = await capture("prod");
        const run = (argv: string[]) => {
            const args = parseCheckArgs(argv);
            const config = withSettings(loadPolicyConfig("prod") as Record<string, unknown>, args.help ? {} : args.settings) as PolicyConfig;
            return runPolicies(prod, { config }).filter((v) => v.enforcementLevel === "mandatory" && (datedPolicies as readonly string[]).includes(v.policy));
        };
        expect(run(["--today", "2027-06-10"])).to.deep.equal([]);
        const failing = run([...stepArgs(defaultLookAhead()), "--today", "2027-06-10"]);
        expect(failing.map((v) => v.policy)).to.deep.equal(["kubernetes-supported-version"]);
        expect(failing[0].message).to.include("Kubernetes 1.36 reaches its end of life on AKS on 2027-06-30, in 20 days");
    });

    it("rejects a bad option or value, naming it and the options", () => {
        expect(() => parseCheckArgs(["--look-ahead-days", "soon"])).to.throw('--look-ahead-days: "soon" is not a whole number of days from 0 to 366');
        expect(() => parseCheckArgs(["--today", "2027-13-40"])).to.throw('--today: "2027-13-40" is not a date such as 2026-12-01');
        expect(() => parseCheckArgs(["--lookahead", "3"])).to.throw("--lookahead: not an option (options: --look-ahead-days <days>, --today <YYYY-MM-DD>)");
        expect(() => parseCheckArgs(["--today"])).to.throw("--today: needs a value");
        expect(parseCheckArgs([])).to.deep.equal({ help: false, settings: {} });
        expect(parseCheckArgs(["--today", "2027-06-10"])).to.deep.include({ today: "2027-06-10" });
    });

    it("is described where docs/development.md and the pack's README say so, with the workflow's look-ahead and the schema's default", () => {
        const root = path.resolve(__dirname, "..", "..");
        const readme = readFileSync(path.join(root, "docs", "development.md"), "utf8").replace(/\s+/g, " ");
        expect(readme).to.include(`the daily \`.github/workflows/support-check.yml\` runs it on main with ${defaultLookAhead()}.`);
        expect(readme).to.include("`npm run check -- --look-ahead-days <days>`");
        const packReadme = readFileSync(path.join(root, "policies", "README.md"), "utf8");
        for (const policy of [istioSupportedVersion, kubernetesSupportedVersion, postgresSupportedVersion]) {
            expect(policy.configSchema?.properties.lookAheadDays?.default, policy.name).to.equal(0);
        }
        expect(packReadme).to.include("| `istio-supported-version`, `kubernetes-supported-version`, `postgres-supported-version` | `lookAheadDays` | 0: judge `today` only | same | same |");
    });
});
