import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { defaultConfig } from "../../stacks/defaults";
import {
    aksRow,
    chartRow,
    istioEndOfLife,
    istioRow,
    istioSupportsKubernetes,
    judgeAksKubernetes,
    judgeIstio,
    judgingDay,
    newestSupportedIstio,
    renderSupportMarkdown,
    supportTable,
    type SupportTable,
} from "../../stacks/support";
import { readStackFile } from "../../tools/capture/stackFile";
import { projectDir } from "../support/stacks";

const operations = readFileSync(path.join(projectDir, "docs", "operations.md"), "utf8");
const deploying = readFileSync(path.join(projectDir, "docs", "deploying.md"), "utf8");
const day = "2026-12-01";

describe("the support table", () => {
    it("gives every row a source and an ISO read date", () => {
        const rows = [...supportTable.istio, ...supportTable.aks, ...supportTable.postgres, ...supportTable.charts];
        for (const row of rows) {
            expect(row.source, JSON.stringify(row)).to.be.a("string").and.not.empty;
            expect(row.read, JSON.stringify(row)).to.match(/^\d{4}-\d{2}-\d{2}$/);
        }
    });

    it("ends an Istio minor six weeks after the minor two ahead ships, unless a date is published", () => {
        expect(istioEndOfLife(istioRow("1.29")!)).to.equal("2026-10-01");
        expect(istioEndOfLife(istioRow("1.27")!)).to.equal("2026-04-07");
        expect(istioEndOfLife(istioRow("1.31")!)).to.equal(undefined);
        expect(judgeIstio("1.31.1", day)).to.include({ state: "supported" });
        // The day 1.33.0 is added, 1.31 gets its end of life with no other edit.
        const with133: SupportTable = { ...supportTable, istio: [{ minor: "1.33", released: "2027-02-10", kubernetes: [], source: "test", read: day }, ...supportTable.istio] };
        expect(renderSupportMarkdown(with133)).to.contain("| 1.31 | 2026-08-20 | 2027-03-24 |");
    });

    it("on 2026-12-01 supports Istio 1.30 and 1.31 only, on AKS 1.35 and 1.36 among the minors both support", () => {
        expect(supportTable.istio.filter((r) => judgeIstio(r.minor, day).state === "supported").map((r) => r.minor)).to.deep.equal(["1.31", "1.30"]);
        const both = supportTable.aks.filter((r) => judgeAksKubernetes(r.minor, day).state === "supported" && istioSupportsKubernetes("1.30.5", r.minor) && istioSupportsKubernetes("1.31.1", r.minor));
        expect(both.map((r) => r.minor)).to.deep.equal(["1.36", "1.35"]);
    });

    it("rejects a day that is not a date", () => {
        expect(() => judgingDay("next week")).to.throw('"next week" is not a date such as 2026-12-01');
    });
});

describe("defaults and stack files pinned from the support table", () => {
    it("pin the newest patch of the newest supported Istio, from the chart rows", () => {
        const istio = defaultConfig().istio;
        expect(istio.version).to.equal(newestSupportedIstio(day).latestPatch).and.equal("1.31.1");
        expect(istio.chartRepository).to.equal(chartRow("istiod").repository).and.equal("https://blob.istio.io/istio-release/charts");
        for (const chart of ["base", "istiod", "gateway"]) {
            expect(chartRow(chart).version, chart).to.equal(istio.version);
        }
    });

    it("pin a Kubernetes that AKS supports and the pinned Istio supports, in the defaults and both AKS stacks", () => {
        const versions = [defaultConfig().cluster.kubernetesVersion, ...["dev", "prod"].map((stack) => JSON.parse(readStackFile(projectDir, stack, "ecommerce-mesh").values["ecommerce-mesh:cluster"]).kubernetesVersion)];
        for (const version of versions) {
            expect(judgeAksKubernetes(version, day).state, version).to.equal("supported");
            expect(istioSupportsKubernetes(defaultConfig().istio.version, version), version).to.equal(true);
        }
        expect(versions).to.deep.equal(["1.36", "1.36", "1.36"]);
    });
});

describe("docs and the support table", () => {
    it("shows the table generated from policies/support-table.json, every row", () => {
        const start = operations.indexOf("<!-- support-table:start -->\n");
        const end = operations.indexOf("<!-- support-table:end -->");
        expect(start, "support-table markers").to.be.greaterThan(0);
        expect(operations.slice(start + "<!-- support-table:start -->\n".length, end)).to.equal(renderSupportMarkdown());
    });

    it("names the pinned versions and their support in the prerequisites of 'Using it for real'", () => {
        const prerequisites = deploying.slice(deploying.indexOf("## Using it for real"), deploying.indexOf("```sh", deploying.indexOf("## Using it for real")));
        const { istio, cluster } = defaultConfig();
        const k8s = aksRow(cluster.kubernetesVersion)!;
        const supported = istioRow(istio.version)!.kubernetes;
        expect(prerequisites).to.contain(`**Istio ${istio.version}**`);
        expect(prerequisites).to.contain(`**AKS Kubernetes ${k8s.minor}** (AKS supports\nit until ${k8s.endOfLife}; Istio ${istioRow(istio.version)!.minor} supports Kubernetes ${supported[0]}–${supported[supported.length - 1]})`);
        expect(prerequisites).to.contain(istio.chartRepository);
    });
});
