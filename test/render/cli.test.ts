// The render CLI as a user runs it: exit codes, stdout/stderr, --json.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { stackNames } from "../../tools/capture/stackFile";
import { hasPolicyRunner, projectDir, runCli, scratchDir } from "./support";

/** The README's table of advisories the shipped stacks keep on purpose. */
function readmeAdvisories(): { stack: string; policy: string; findings: number }[] {
    const readme = readFileSync(path.join(projectDir, "docs", "development.md"), "utf8");
    const table = readme.slice(readme.indexOf("| Stack | Policy | Findings | Why it stays |"));
    const lines = table.split("\n").slice(2);
    return lines
        .slice(0, lines.findIndex((line) => !line.startsWith("| ")))
        .map((line) => line.split("|").map((cell) => cell.trim()))
        .map(([, stack, policy, findings]) => ({ stack, policy: policy.replace(/`/g, ""), findings: Number(findings) }));
}

describe("render CLI", function () {
    this.timeout(120_000);

    it("prints usage for --help and exits 0", () => {
        const run = runCli("main", ["--help"]);
        expect(run.status).to.equal(0);
        expect(run.stdout).to.match(/^usage: npm run render -- --stack <name>/);
    });

    it("exits 2 on an unknown flag, naming it", () => {
        const run = runCli("main", ["--stack", "prod", "--colour"]);
        expect(run.status).to.equal(2);
        expect(run.stderr).to.include("--colour");
        expect(run.stderr).to.include("usage:");
        expect(run.stdout).to.equal("");
    });

    it("exits 2 without --stack", () => {
        const run = runCli("main", []);
        expect(run.status).to.equal(2);
        expect(run.stderr).to.include("--stack <name> is required");
    });

    it("exits 2 on an unknown stack, listing the stacks that exist", () => {
        const run = runCli("main", ["--stack", "staging", "--out", scratchDir("unknown")]);
        expect(run.status).to.equal(2);
        expect(run.stderr).to.include(`no stack file Pulumi.staging.yaml in ${projectDir}; the stacks are ${stackNames(projectDir).join(", ")}`);
        expect(stackNames(projectDir)).to.include.members(["dev", "local", "prod"]);
        expect(run.stderr).not.to.match(/\n\s+at /);
    });

    it("exits 2 on a --set without a value", () => {
        const run = runCli("main", ["--stack", "prod", "--set", "services.product.canary.weight"]);
        expect(run.status).to.equal(2);
        expect(run.stderr).to.include("expected key.path=value");
    });

    it("exits 2 with the config error's own message on a bad --set value", () => {
        const run = runCli("main", ["--stack", "prod", "--set", "services.product.canary.weight=110", "--out", scratchDir("bad-set")]);
        expect(run.status).to.equal(2);
        expect(run.stderr).to.include("ecommerce-mesh:services.product.canary.weight: 110 is not an integer from 0 to 100");
        expect(run.stderr).not.to.match(/\n\s+at /);
    });

    it("prints a parseable --json report and progress on stderr", () => {
        const out = scratchDir("json");
        const run = runCli("main", ["--stack", "dev", "--out", out, "--json"]);
        expect(run.status, run.stderr).to.equal(0);
        const report = JSON.parse(run.stdout);
        expect(report).to.include({ stack: "dev", environment: "dev", exitCode: 0, outDir: out });
        expect(report.schemaErrors).to.deep.equal([]);
        expect(report.written).to.include("kubernetes.yaml");
        expect(report.counts.kubernetesObjects).to.be.greaterThan(50);
        expect(report.policies).to.have.property("violations");
        expect(run.stderr).to.match(/render: evaluating Pulumi\.dev\.yaml…/);
        expect(run.stderr).to.match(/render: \d+ resources in \d+\.\ds/);
    });

    it("prints the comparison of a canary edit against an earlier render", () => {
        const out = scratchDir("cli-compare");
        expect(runCli("main", ["--stack", "prod", "--out", out]).status).to.equal(0);
        const run = runCli("main", ["--stack", "prod", "--out", scratchDir("cli-compare-next"), "--set", "services.product.canary.weight=25", "--compare", out]);
        expect(run.status, run.stderr).to.equal(0);
        expect(run.stdout).to.include(`compare with ${out}: 2 changed, 0 added, 0 removed`);
        expect(run.stdout).to.include("~ VirtualService ecommerce/product");
        expect(run.stdout).to.include("~ VirtualService ecommerce/ecommerce-gateway");
        expect(run.stdout).to.match(/spec\.http\[name=product-default\]\.route\[0\]\.weight: 90 → 75/);
        expect(run.stdout).to.match(/spec\.http\[name=product-default\]\.route\[1\]\.weight: 10 → 25/);
    });

    it("runs the README's compare command twice with the same result: the baseline out/prod is never overwritten", () => {
        // README: `npm run render -- --stack prod` writes out/prod/, then the canary edit is compared with it.
        expect(runCli("main", ["--stack", "prod"]).status).to.equal(0);
        const readmeCommand = ["--stack", "prod", "--set", "services.product.canary.weight=25", "--compare", "out/prod"];
        for (const attempt of [1, 2]) {
            const run = runCli("main", readmeCommand);
            expect(run.status, `run ${attempt}: ${run.stderr}`).to.equal(0);
            expect(run.stderr).to.include("render: --compare out/prod is where --stack prod writes by default; writing this render to out/prod.next so the baseline stays as it is (--out chooses another dir)");
            expect(run.stdout, `run ${attempt}`).to.include("compare with out/prod: 2 changed, 0 added, 0 removed");
        }
    });

    it("exits 2 when --out would replace the --compare baseline", () => {
        const out = scratchDir("same");
        expect(runCli("main", ["--stack", "prod", "--out", out]).status).to.equal(0);
        const run = runCli("main", ["--stack", "prod", "--out", out, "--set", "services.product.canary.weight=25", "--compare", out]);
        expect(run.status).to.equal(2);
        expect(run.stderr).to.include(`render: --out ${out} would replace the render that --compare ${out} compares against; write the new render elsewhere`);
        // Nor a dir that holds the baseline: writing it would replace the baseline too.
        const parent = scratchDir("parent");
        const baseline = path.join(parent, "prod");
        expect(runCli("main", ["--stack", "prod", "--out", baseline]).status).to.equal(0);
        expect(runCli("main", ["--stack", "prod", "--out", parent, "--compare", baseline]).status).to.equal(2);
    });

    it("exits 2 when --compare names a dir with no render", () => {
        const run = runCli("main", ["--stack", "prod", "--out", scratchDir("nocompare"), "--compare", path.join(scratchDir("empty"), "nothing")]);
        expect(run.status).to.equal(2);
        expect(run.stderr).to.include("not a render dir");
    });

    it("exits 1 on a mandatory violation and names the policy", function () {
        if (!hasPolicyRunner()) {
            this.skip();
        }
        const run = runCli("main", ["--stack", "prod", "--set", "mtls=PERMISSIVE", "--out", scratchDir("permissive")]);
        expect(run.status, run.stderr).to.equal(1);
        expect(run.stdout).to.match(/\[mandatory\] \S+/);
        expect(run.stdout).to.match(/PERMISSIVE|mtls/i);
        expect(run.stdout).to.include("fix:");
    });

    it("npm run check renders every stack, one summary line each and its versions, exit 0 on the shipped stacks", () => {
        const run = runCli("check", []);
        expect(run.status, run.stdout + run.stderr).to.equal(0);
        for (const stack of ["dev", "local", "prod"]) {
            expect(run.stdout).to.match(new RegExp(`^ok +${stack}: \\d+ resources, \\d+ objects, 0 schema errors, policies `, "m"));
            expect(run.stdout).to.match(new RegExp(`^ok +${stack}: .*\\n {5}versions: Istio 1\\.31\\.1 \\(end not announced\\)`, "m"));
        }
        // Each stack with advisories names its policies and the command that shows them, and the
        // README's table justifies exactly those.
        const printed = [...run.stdout.matchAll(/^ok +(\S+): .*\n(?: {5}versions: .*\n)? {5}advisories: (.*); in full: npm run render -- --stack (\S+)$/gm)];
        const seen = printed.flatMap(([, stack, list, named]) => {
            expect(named).to.equal(stack);
            return list.split(", ").map((entry) => {
                const [policy, count] = entry.split(" ×");
                return { stack, policy, findings: Number(count) };
            });
        });
        expect(seen).to.deep.equal(readmeAdvisories());
        const totals = [...new Set(seen.map((a) => a.stack))].map((stack) => `${stack} ${seen.filter((a) => a.stack === stack).reduce((n, a) => n + a.findings, 0)}`);
        expect(run.stdout).to.match(new RegExp(`^check: 3/3 stacks pass \\(no schema error or mandatory violation\\); advisories: ${totals.join(", ")}$`, "m"));
    });
});
