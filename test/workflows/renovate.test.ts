// renovate.json, checked offline. Renovate's own validator runs in .ci/run (a cold fetch of the
// pinned renovate package takes minutes); this file checks what the validator cannot: that the
// custom manager really finds every chart row of the support table, and that the groups match
// the packages we have. Renovate's regex managers use RE2/JS named groups, the same syntax as here.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { supportTable } from "../../policies/lib/support";

const root = path.resolve(__dirname, "..", "..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

interface PackageRule {
    matchManagers?: string[];
    matchPackageNames?: string[];
    matchDepNames?: string[];
    groupName?: string;
    enabled?: boolean;
}
interface CustomManager {
    customType: string;
    managerFilePatterns: string[];
    matchStrings: string[];
    datasourceTemplate: string;
}
const config = JSON.parse(read("renovate.json")) as {
    enabledManagers: string[];
    packageRules: PackageRule[];
    customManagers: CustomManager[];
};

// Renovate's `/.../` pattern strings are regular expressions; others are globs (only `prefix/**` here).
const patternMatches = (pattern: string, value: string) =>
    pattern.startsWith("/") && pattern.endsWith("/") ? new RegExp(pattern.slice(1, -1)).test(value) : pattern.endsWith("/**") ? value.startsWith(pattern.slice(0, -2)) : pattern === value;

function extract(manager: CustomManager, text: string) {
    return manager.matchStrings.flatMap((s) => [...text.matchAll(new RegExp(s, "g"))].map((m) => ({ ...m.groups })));
}

const dependencies = (file: string) => {
    const pkg = JSON.parse(read(file)) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    return Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
};
const allDependencies = ["package.json", "policies/package.json", "services/package.json"].flatMap(dependencies);

describe("renovate.json", () => {
    const charts = config.customManagers.find((m) => m.customType === "regex" && m.managerFilePatterns.some((p) => patternMatches(p, "policies/support-table.json")))!;

    it("enables the npm, GitHub Actions, .nvmrc (nvm) and custom regex managers", () => {
        expect(config.enabledManagers).to.have.members(["npm", "github-actions", "nvm", "custom.regex"]);
    });

    it("has a custom Helm manager whose pattern finds every chart row of the support table, and nothing else", () => {
        expect(charts, "a regex manager on policies/support-table.json").to.exist;
        expect(charts.datasourceTemplate).to.equal("helm");
        const found = extract(charts, read("policies/support-table.json"));
        const rows = supportTable.charts.map((c) => ({ depName: c.name, registryUrl: c.repository, currentValue: c.version }));
        expect(found).to.deep.equal(rows);
        expect(rows).to.not.be.empty;
    });

    it("groups every @pulumi/* package into one PR and every @opentelemetry/* package into another", () => {
        const groupOf = (name: string) => config.packageRules.find((r) => r.groupName && r.matchManagers?.includes("npm") && r.matchPackageNames?.some((p) => patternMatches(p, name)))?.groupName;
        const pulumi = allDependencies.filter((d) => d.startsWith("@pulumi/"));
        const otel = allDependencies.filter((d) => d.startsWith("@opentelemetry/"));
        expect(pulumi.length).to.be.greaterThan(1);
        expect(otel.length).to.be.greaterThan(1);
        expect(new Set(pulumi.map(groupOf))).to.deep.equal(new Set(["Pulumi SDKs"]));
        expect(new Set(otel.map(groupOf))).to.deep.equal(new Set(["OpenTelemetry"]));
        expect(groupOf("yaml")).to.equal(undefined);
    });

    it("groups Istio's charts by the names the support table gives them", () => {
        const istio = config.packageRules.find((r) => r.groupName === "Istio charts")!;
        const istioCharts = supportTable.charts.filter((c) => c.repository.includes("istio")).map((c) => c.name);
        expect(istio.matchDepNames).to.have.members(istioCharts);
    });

    it("proposes no update of a sub-chart on its own: it follows its parent chart", () => {
        const subcharts = supportTable.charts.filter((c) => c.subchartOf).map((c) => c.name);
        expect(subcharts).to.not.be.empty;
        const disabled = config.packageRules.filter((r) => r.enabled === false && r.matchManagers?.includes("custom.regex")).flatMap((r) => r.matchDepNames ?? []);
        expect(disabled).to.have.members(subcharts);
    });

    it("docs/updates.md names the validator command .ci/run runs, and the three checks an update PR must pass", () => {
        const doc = read("docs/updates.md");
        const command = /npm exec --yes --package=renovate@\d+\.\d+\.\d+ -- renovate-config-validator --strict/.exec(read(".ci/run"))?.[0];
        expect(command, ".ci/run runs the pinned validator").to.be.a("string");
        expect(doc).to.include(command!);
        for (const claim of ["`npm test`", "`npm run check`", "`npm run render -- --stack <name> --compare out/<name>`", "`tools/render/blast-radius.sh`", "`blast-radius-comment.yml`"]) {
            expect(doc).to.include(claim);
        }
        const pr = read(".github/workflows/pull-request.yml");
        expect(pr).to.match(/run: bash tools\/render\/blast-radius\.sh /m);
        expect(read(".github/workflows/blast-radius-comment.yml")).to.include("createComment");
        expect(pr).to.match(/run: npm test$/m);
        expect(pr).to.match(/run: npm run check$/m);
    });
});
