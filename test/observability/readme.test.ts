// docs/observability.md's tables are the code's: the port-forward lines name the Services
// the charts create, and the chart table lists the pins the program installs.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { charts } from "../../components/observability/charts";
import { portForwardLine, portForwards, uiServices } from "../../components/observability/endpoints";
import { defaultObservability } from "../../stacks/observability";
import { defaultConfig } from "../../stacks/defaults";
import { alertGroups, runbookPage, sloThresholds } from "../../components/observability/rules";

const section = readFileSync(path.join(__dirname, "..", "..", "docs", "observability.md"), "utf8");

describe("docs/observability.md", () => {
    const namespace = defaultObservability().namespace;
    const services = uiServices(namespace, defaultConfig().istio.tracing.collector);

    it("gives the port-forward line and local URL of every UI", () => {
        for (const { ui, service, local, path: urlPath } of portForwards) {
            const target = services[service];
            expect(section).to.include(`| ${ui} | \`${portForwardLine(namespace, target.name, local, target.port)}\` | http://localhost:${local}${urlPath} |`);
        }
        expect([...section.matchAll(/port-forward svc\//g)]).to.have.length(portForwards.length);
    });

    it("lists every pinned chart with its version and where it was read", () => {
        for (const pin of Object.values(charts)) {
            expect(section).to.include(`| \`${pin.chart}\` | ${pin.version} | ${pin.appVersion} | ${pin.repository} | ${pin.source}, read ${pin.read} |`);
        }
    });
});

describe("docs/operations.md: a runbook for every alert", () => {
    it("every alert's runbook_url names a section of docs/operations.md headed by the alert's name", () => {
        const page = readFileSync(path.join(__dirname, "..", "..", runbookPage), "utf8");
        const headings = new Set(page.split("\n").filter((line) => line.startsWith("### ")).map((line) => line.slice(4).trim()));
        const rules = alertGroups({ namespace: "ecommerce", services: ["order"], canaries: [{ service: "product", stable: "v1", canary: "v2" }], slo: sloThresholds(defaultConfig().observability.slo) }).flatMap((group) => group.rules);
        expect(rules.length).to.be.greaterThan(5);
        for (const rule of rules) {
            expect(rule.annotations.runbook_url, rule.alert).to.equal(`docs/operations.md#${rule.alert.toLowerCase()}`);
            expect(headings, rule.alert).to.include(rule.alert);
        }
    });
});
