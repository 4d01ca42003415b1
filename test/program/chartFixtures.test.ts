// The chart-values fixtures are derived from policies/support-table.json: one per chart row that
// does not keep its whole values.yaml, named and headed by that row's chart and version, written
// by tools/charts/fixture.ts. A version bump without a re-read of the chart's values.yaml fails here.
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { chartFixture, usage } from "../../tools/charts/fixture";
import { type ChartValuesFixture, fixtureNote, fixturePath, valuesPaths } from "../../tools/charts/valuesPaths";
import { chartRow, supportTable } from "../../stacks/support";
import { projectDir } from "../support/stacks";

const keyPathRows = supportTable.charts.filter((row) => !row.values);
const read = (file: string): ChartValuesFixture => JSON.parse(readFileSync(path.join(projectDir, file), "utf8"));

describe("chart-values fixtures and the support table", () => {
    for (const row of keyPathRows) {
        it(`${row.name}: the fixture is the values.yaml read at the pinned ${row.version}, from the row's repository`, () => {
            const fixture = read(fixturePath(row.name, row.version));
            expect({ chart: fixture.chart, version: fixture.version, note: fixture.note }).to.deep.equal({ chart: row.name, version: row.version, note: fixtureNote });
            const [repo, commit] = fixture.source.split(" ")[0].split("@");
            expect(row.source, `${row.name} row source names the repository the values.yaml was read from`).to.include(repo);
            expect(commit, fixture.source).to.match(/^[0-9a-f]{40}$/);
            expect(fixture.paths).to.not.be.empty;
            expect(fixture.paths).to.deep.equal([...new Set(fixture.paths)].sort());
        });
    }

    it("keeps no fixture of a version the table no longer pins", () => {
        const expected = keyPathRows.map((row) => path.basename(fixturePath(row.name, row.version))).sort();
        expect(readdirSync(path.join(projectDir, "test", "fixtures", "chart-values")).sort()).to.deep.equal(expected);
    });
});

describe("the fixture writer (tools/charts/fixture.ts)", () => {
    it("lists every key path, into non-empty maps and not into lists", () => {
        const yaml = "a: 1\nb:\n  c: {}\n  d:\n    e: x\nf: [ {g: 1} ]\nh: {}\n";
        expect(valuesPaths(yaml)).to.deep.equal(["a", "b", "b.c", "b.d", "b.d.e", "f", "h"]);
    });

    it("heads the fixture with the row's chart and version", () => {
        const fixture = chartFixture("jaeger", "replicas: 1\n", "jaegertracing/helm-charts@6c602b5 charts/jaeger/values.yaml");
        expect(fixture).to.deep.include({ chart: "jaeger", version: supportTable.charts.find((r) => r.name === "jaeger")!.version, paths: ["replicas"] });
    });

    it("names the source it wants, a chart with a whole values.yaml, and a document that is not a map", () => {
        expect(() => chartFixture("jaeger", "a: 1\n", "jaeger main")).to.throw('source "jaeger main" must read "<owner/repo>@<commit> <path>/values.yaml"');
        expect(() => chartFixture("istiod", "a: 1\n", "istio/istio@0123456 manifests/charts/istio-control/istio-discovery/values.yaml")).to.throw(
            "chart istiod keeps its whole values.yaml in test/fixtures/charts/istiod-1.31.1.values.yaml",
        );
        expect(() => valuesPaths("- a\n- b\n")).to.throw("values.yaml: the document is not a map of values");
    });
});

describe("docs/updates.md on re-reading a chart", () => {
    const doc = readFileSync(path.join(projectDir, "docs", "updates.md"), "utf8");

    it("gives the fixture writer's command and names the test that holds fixtures to the table", () => {
        expect(doc).to.include(`\`${usage}\``);
        expect(doc).to.include("`test/program/chartFixtures.test.ts`");
        expect(doc).to.include("(Istio's charts, cert-manager,\n  cloudnative-pg)");
        expect(supportTable.charts.filter((row) => row.values).map((row) => row.name)).to.have.members(["base", "istiod", "gateway", "cert-manager", "cloudnative-pg"]);
    });

    it("lists each newer release not adopted against the version the table pins", () => {
        const section = doc.slice(doc.indexOf("## Newer releases seen but not adopted"));
        const rows = [...section.matchAll(/^\| `([\w-]+)` \| (\S+) \| (\S+) /gm)];
        expect(rows.length, "rows of the table").to.be.greaterThan(0);
        for (const [, chart, pinned, newer] of rows) {
            expect(pinned, `${chart}: pinned column`).to.equal(chartRow(chart).version);
            expect(newer, chart).to.not.equal(pinned);
        }
    });

    it("dates the last check of every chart row but Istio's, and each of those rows was read that day or later", () => {
        const day = /Every chart row but Istio's three \(they follow the Istio row\) was compared on (\d{4}-\d{2}-\d{2}) /.exec(doc.replace(/\s+/g, " "))?.[1];
        expect(day, "the dated line").to.match(/^\d{4}-\d{2}-\d{2}$/);
        expect(supportTable.charts.filter((row) => !row.appVersion).map((row) => row.name)).to.deep.equal(["base", "istiod", "gateway"]);
        const stale = supportTable.charts.filter((row) => row.appVersion && row.read < day!).map((row) => `${row.name} read ${row.read}`);
        expect(stale, `rows read before ${day}`).to.deep.equal([]);
    });
});
