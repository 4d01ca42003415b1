// "Done means" of the supported-versions work, run as a user runs it: an end-of-life pin blocks
// a prod render and only advises on dev; every render and check shows the versions in use.
import { expect } from "chai";
import { versionReport, versionSummary } from "../../tools/render/versions";
import { capture } from "../support/stacks";
import { runCli, scratchDir } from "./support";

describe("render and check: supported versions", function () {
    this.timeout(300_000);

    it("blocks prod on Istio 1.27.3 (exit 1), naming the version, its end of life and the fix", () => {
        const run = runCli("main", ["--stack", "prod", "--set", "istio.version=1.27.3", "--out", scratchDir("istio-eol")]);
        expect(run.status, run.stderr).to.equal(1);
        expect(run.stdout).to.match(/\[mandatory\] istio-supported-version/);
        expect(run.stdout).to.include("Istio 1.27.3 reached its end of life on 2026-04-07");
        expect(run.stdout).to.match(/fix: Set istio\.version to \d+\.\d+\.\d+ \(Istio \d+\.\d+, supported on \d{4}-\d{2}-\d{2}\)/);
    });

    it("blocks prod on Kubernetes 1.33 (exit 1), naming its AKS end of life and the fix", () => {
        const run = runCli("main", ["--stack", "prod", "--set", "cluster.kubernetesVersion=1.33", "--out", scratchDir("k8s-eol")]);
        expect(run.status, run.stderr).to.equal(1);
        expect(run.stdout).to.match(/\[mandatory\] kubernetes-supported-version/);
        expect(run.stdout).to.include("Kubernetes 1.33 reached its end of life on AKS on 2026-07-31");
        expect(run.stdout).to.match(/fix: Set cluster\.kubernetesVersion to "\d+\.\d+"/);
    });

    it("only advises on dev for both (exit 0)", () => {
        const run = runCli("main", ["--stack", "dev", "--set", "istio.version=1.27.3", "--set", "cluster.kubernetesVersion=1.33", "--out", scratchDir("dev-eol")]);
        expect(run.status, run.stderr).to.equal(0);
        expect(run.stdout).to.match(/\[advisory\] istio-supported-version/);
        expect(run.stdout).to.match(/\[advisory\] kubernetes-supported-version/);
        expect(run.stdout).to.include("[END] Istio 1.27.3: end of life since 2026-04-07");
        expect(run.stdout).to.include("[END] AKS Kubernetes 1.33: end of life since 2026-07-31");
    });

    it("shows each version of a stack and how long it stays supported, judged on a given day", async () => {
        const report = versionReport((await capture("prod")).resources, "2026-12-01");
        expect(versionSummary(report)).to.equal("Istio 1.31.1 (end not announced); AKS Kubernetes 1.36 until 2027-06-30 (211 days); PostgreSQL 17 on Azure Database for PostgreSQL flexible server until 2029-11-08 (1073 days)");
        expect(report.compatibility).to.deep.equal(["Istio 1.31.1 supports Kubernetes 1.36"]);
        const local = versionReport((await capture("local")).resources, "2026-12-01");
        expect(local.compatibility).to.deep.equal(["Kubernetes: the existing cluster's own, not pinned by the stack; Istio 1.31.1 supports Kubernetes 1.32, 1.33, 1.34, 1.35, 1.36"]);
    });

    it("marks a standby revision as such", async () => {
        const moving = await capture("prod", "istio.revision=1-31-1", "istio.standbyRevisions={1-29-6: 1.29.6}");
        expect(versionSummary(versionReport(moving.resources, "2026-12-01"))).to.equal(
            "Istio 1.31.1 (end not announced); Istio 1.29.6 ENDED 2026-10-01 [standby]; AKS Kubernetes 1.36 until 2027-06-30 (211 days); PostgreSQL 17 on Azure Database for PostgreSQL flexible server until 2029-11-08 (1073 days)",
        );
    });
});
