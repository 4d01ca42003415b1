import { expect } from "chai";
import { chartRow } from "../../stacks/support";
import { type Capture } from "../../tools/capture/capture";
import { chartDefaults, descopePilot, unknownValues } from "../support/chartValues";
import { capture, type Json, ofKind, projectDir } from "../support/stacks";

// Each Helm release the program installs, by chart, against that chart's values.yaml at the
// version policies/support-table.json pins (test/fixtures/charts, with their source in the header).
const charts = ["base", "istiod", "gateway", "cert-manager"] as const;
// The shipped stacks, and prod moving between revisions (revision, revisionTags, gateway revision).
const variants: [string, string[]][] = [
    ["local", []],
    ["dev", []],
    ["prod", []],
    ["prod", ["istio.revision=1-31-1", "istio.standbyRevisions={1-31-0: 1.31.1}"]],
];

function releasesOf(c: Capture, chart: string): Json[] {
    return ofKind(c, "helm.sh/v3:Release")
        .map((r) => r.inputs as Json)
        .filter((inputs) => String(inputs.chart).replace(/^.*\//, "") === chart);
}

describe("Helm values against the charts' values.yaml", () => {
    for (const chart of charts) {
        it(`every value passed to ${chart} is a key of its ${chartRow(chart).version} values.yaml, on every stack and with revisions`, async () => {
            const defaults = chartDefaults(chartRow(chart).values!, projectDir);
            for (const [stack, sets] of variants) {
                const releases = releasesOf(await capture(stack, ...sets), chart);
                expect(releases, `${stack}: ${chart} releases`).to.not.be.empty;
                for (const release of releases) {
                    expect(release.version, `${stack}: ${chart} version`).to.equal(chartRow(chart).version);
                    const values = chart === "istiod" ? descopePilot(release.values) : release.values;
                    expect(unknownValues(values, defaults), `${stack}: ${release.name}`).to.deep.equal([]);
                }
            }
        });
    }

    it("names an unknown key, a misplaced one and a scalar where the chart has a map", () => {
        const defaults = chartDefaults(chartRow("gateway").values!, projectDir);
        expect(unknownValues({ replicaCount: 2, replicas: 2, service: { type: "LoadBalancer", typ: "x" }, autoscaling: true }, defaults)).to.deep.equal([
            `replicas: not a value of this chart (it declares ${Object.keys(defaults).join(", ")})`,
            "service.typ: not a value of this chart (it declares type, clusterIP, selectorLabels, ports, annotations, loadBalancerIP, loadBalancerSourceRanges, externalTrafficPolicy, healthCheckNodePort, externalIPs, ipFamilyPolicy, ipFamilies)",
            'autoscaling: the chart declares a map here, not true',
        ]);
    });

    it("reads istiod's legacy pilot.* keys where the chart puts them, so a typo there is caught too", () => {
        const defaults = chartDefaults(chartRow("istiod").values!, projectDir);
        expect(unknownValues(descopePilot({ pilot: { autoscaleMin: 2 } }), defaults)).to.deep.equal([]);
        expect(unknownValues(descopePilot({ pilot: { autoscaleMinimum: 2 } }), defaults)[0]).to.match(/^autoscaleMinimum: not a value of this chart/);
    });
});
