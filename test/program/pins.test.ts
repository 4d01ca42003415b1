// One table for every pinned chart: policies/support-table.json. The components read their pins
// from it (chartRow); this test fails when a chart's version or app version is written as a
// literal anywhere else in the program, its tools, its stack files or its tests. Istio's three
// chart rows (no appVersion) are left out: their version is the stack's istio.version, and the
// tests name Istio releases as scenarios (revision moves, end-of-life days).
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { cnpgChart } from "../../components/builders/cnpg";
import { charts } from "../../components/observability/charts";
import { chartRow, supportTable } from "../../stacks/support";

const root = path.resolve(__dirname, "..", "..");

// Where a pin may be written: the table itself; chart-values fixtures, named and headed by the
// version they were read at; docs whose tables other tests compare with the table (README);
// npm manifests and lockfiles, whose versions are npm's, not charts'.
const allowed = [/^policies\/support-table\.json$/, /^test\/fixtures\//, /\.md$/, /(^|\/)package(-lock)?\.json$/];

function trackedSources(): string[] {
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" }).split("\n");
    return files.filter((f) => /\.(ts|js|json|ya?ml)$/.test(f) && !allowed.some((a) => a.test(f)));
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** The version as a quoted literal or a YAML scalar, not as part of a longer version. */
const literal = (version: string) => new RegExp(`(["'\`]${escape(version)}["'\`]|:\\s+${escape(version)}\\s*$)`, "m");

describe("one table for every chart pin", () => {
    it("lists every chart the program installs, each with repository, version, appVersion, source and the day it was read", () => {
        const installed = [...Object.values(charts).map((c) => c.chart), cnpgChart.chart];
        for (const name of installed) {
            const row = chartRow(name);
            expect(row.repository, name).to.match(/^https:\/\//);
            expect(row.version, name).to.match(/^\d+\.\d+\.\d+$/);
            expect(row.appVersion, name).to.be.a("string").and.not.empty;
            expect(row.source, name).to.be.a("string").and.not.empty;
            expect(row.read, name).to.match(/^\d{4}-\d{2}-\d{2}$/);
        }
        expect(cnpgChart).to.include({ version: chartRow("cloudnative-pg").version, repository: chartRow("cloudnative-pg").repository });
        expect(charts.kubePrometheusStack.version).to.equal(chartRow("kube-prometheus-stack").version);
    });

    it("names an unknown chart and the known ones", () => {
        expect(() => chartRow("nginx")).to.throw(/policies\/support-table\.json pins no chart named nginx \(charts: base, istiod, gateway, kube-prometheus-stack/);
    });

    it("writes no chart version or app version as a literal outside the table", () => {
        const pins = supportTable.charts.filter((c) => c.appVersion).flatMap((c) => [c.version, c.appVersion!].map((v) => ({ chart: c.name, v })));
        const found: string[] = [];
        for (const file of trackedSources()) {
            const text = readFileSync(path.join(root, file), "utf8");
            for (const { chart, v } of pins) {
                if (literal(v).test(text)) {
                    found.push(`${file}: ${chart} ${v}`);
                }
            }
        }
        expect(found).to.deep.equal([]);
    });
});
