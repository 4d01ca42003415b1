import { expect } from "chai";
import type { PolicyConfig } from "../../policies/runner";
import type { CapturedResource } from "../../tools/capture/capture";
import { capture, find, summary, violationsOf } from "./support";

// The version policies judge by a day: each test names the one it judges by.
const on = (policy: string, today: string, level: "mandatory" | "advisory" = "mandatory"): PolicyConfig => ({ [policy]: { enforcementLevel: level, today } });
const cluster = (resources: CapturedResource[]) => find(resources, "azure-native:containerservice:ManagedCluster", "aks").inputs;

/** A resource of the data tier, as the Database component will register it. */
function synthetic(type: string, name: string, inputs: Record<string, unknown>): CapturedResource {
    return { urn: `urn:pulumi:prod::ecommerce-mesh::${type}::${name}`, type, name, custom: true, id: `${name}-id`, inputs } as CapturedResource;
}
const flexibleServer = (version?: string) => synthetic("azure-native:dbforpostgresql:Server", "db", { serverName: "ecommerce-prod-db", ...(version ? { version } : {}) });
const cnpgCluster = (imageName?: string) =>
    synthetic("kubernetes:postgresql.cnpg.io/v1:Cluster", "db", {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Cluster",
        metadata: { name: "ecommerce-db", namespace: "ecommerce" },
        spec: { instances: 3, ...(imageName ? { imageName } : {}) },
    });

describe("policies: supported versions", () => {
    let prod: CapturedResource[];
    beforeEach(async () => {
        prod = await capture("prod");
    });

    describe("istio-supported-version", () => {
        it("passes: the shipped Istio 1.31.1 on 2026-12-01", () => {
            expect(violationsOf("istio-supported-version", prod, on("istio-supported-version", "2026-12-01"))).to.deep.equal([]);
        });

        it("flags Istio 1.27.3 with its end-of-life date and the version to move to", async () => {
            const old = await capture("prod", "istio.version=1.27.3");
            const [violation, ...more] = violationsOf("istio-supported-version", old, on("istio-supported-version", "2026-12-01"));
            expect(more).to.deep.equal([]);
            expect(violation.resource?.name).to.equal("istiod");
            expect(violation.message).to.equal(
                "Helm release istio-system/istio-base, Helm release istio-system/istiod, Helm release istio-ingress/istio-ingressgateway: Istio 1.27.3 reached its end of life on 2026-04-07 and gets no security fixes",
            );
            expect(violation.fix).to.match(/^Set istio\.version to 1\.31\.1 \(Istio 1\.31, supported on 2026-12-01\)/);
        });

        it("turns a pin red on the day it passes its end of life, without a code change", async () => {
            // 1.29 ends six weeks after 1.31.0 shipped (2026-08-20): 2026-10-01.
            const pinned = await capture("prod", "istio.version=1.29.6");
            expect(violationsOf("istio-supported-version", pinned, on("istio-supported-version", "2026-10-01"))).to.deep.equal([]);
            expect(summary(violationsOf("istio-supported-version", pinned, on("istio-supported-version", "2026-10-02")))).to.have.length(1);
        });

        it("judges the control plane the namespaces use, not a standby revision kept for the move", async () => {
            const moved = await capture("prod", "istio.version=1.31.1", "istio.revision=1-31-1", "istio.standbyRevisions={1-29-6: 1.29.6}");
            expect(violationsOf("istio-supported-version", moved, on("istio-supported-version", "2026-12-01"))).to.deep.equal([]);
            const onOld = await capture("prod", "istio.version=1.29.6", "istio.revision=1-29-6", "istio.standbyRevisions={1-31-1: 1.31.1}");
            expect(violationsOf("istio-supported-version", onOld, on("istio-supported-version", "2026-12-01")).map((v) => v.message)).to.deep.equal([
                "Helm release istio-system/istiod-1-29-6, Helm release istio-ingress/istio-ingressgateway: Istio 1.29.6 reached its end of life on 2026-10-01 and gets no security fixes",
            ]);
        });

        it("is advisory in dev", async () => {
            const dev = await capture("dev", "istio.version=1.27.3");
            expect(violationsOf("istio-supported-version", dev, "dev").map((v) => v.enforcementLevel)).to.deep.equal(["advisory"]);
        });
    });

    describe("kubernetes-supported-version", () => {
        it("passes: the shipped 1.36 on 2026-12-01", () => {
            expect(violationsOf("kubernetes-supported-version", prod, on("kubernetes-supported-version", "2026-12-01"))).to.deep.equal([]);
        });

        it("flags 1.33, naming its AKS end of life, the minor to pin and the one-minor-at-a-time path", async () => {
            const old = await capture("prod", "cluster.kubernetesVersion=1.33");
            expect(violationsOf("kubernetes-supported-version", old, on("kubernetes-supported-version", "2026-12-01")).map((v) => [v.message, v.fix])).to.deep.equal([
                [
                    "ManagedCluster ecommerce-mesh-prod: Kubernetes 1.33 reached its end of life on AKS on 2026-07-31, so AKS will not create or patch it",
                    'Set cluster.kubernetesVersion to "1.36" (supported until 2027-06-30; also supported: 1.35). A running cluster moves one minor per pulumi up: 1.34, then 1.35, then 1.36.',
                ],
            ]);
        });

        it("flags the shipped 1.36 once AKS support ends (2027-06-30)", () => {
            expect(violationsOf("kubernetes-supported-version", prod, on("kubernetes-supported-version", "2027-06-30"))).to.deep.equal([]);
            expect(summary(violationsOf("kubernetes-supported-version", prod, on("kubernetes-supported-version", "2027-07-01")))).to.deep.equal([
                "aks: ManagedCluster ecommerce-mesh-prod: Kubernetes 1.36 reached its end of life on AKS on 2027-06-30, so AKS will not create or patch it",
            ]);
        });

        it("judges a cluster on the long-term support plan by its LTS end", async () => {
            const lts = await capture("prod", "cluster.kubernetesVersion=1.34");
            expect(violationsOf("kubernetes-supported-version", lts, on("kubernetes-supported-version", "2026-12-01"))).to.have.length(1);
            cluster(lts).supportPlan = "AKSLongTermSupport";
            expect(violationsOf("kubernetes-supported-version", lts, on("kubernetes-supported-version", "2026-12-01"))).to.deep.equal([]);
            expect(violationsOf("kubernetes-supported-version", lts, on("kubernetes-supported-version", "2027-12-01"))[0].message).to.contain("on 2027-11-30 (LTS)");
        });

        it("is advisory in dev", async () => {
            const dev = await capture("dev", "cluster.kubernetesVersion=1.33");
            expect(violationsOf("kubernetes-supported-version", dev, "dev").map((v) => v.enforcementLevel)).to.deep.equal(["advisory"]);
        });
    });

    describe("istio-kubernetes-compatible", () => {
        it("passes: Istio 1.31 supports Kubernetes 1.36", () => {
            expect(violationsOf("istio-kubernetes-compatible", prod)).to.deep.equal([]);
        });

        it("flags Kubernetes 1.37 under Istio 1.31.1, naming what each supports", async () => {
            const ahead = await capture("prod", "cluster.kubernetesVersion=1.37");
            expect(violationsOf("istio-kubernetes-compatible", ahead).map((v) => [v.message, v.fix])).to.deep.equal([
                ["ManagedCluster ecommerce-mesh-prod: Kubernetes 1.37 is not one Istio 1.31.1 supports (1.32, 1.33, 1.34, 1.35, 1.36)", "Set cluster.kubernetesVersion to one of 1.32, 1.33, 1.34, 1.35, 1.36."],
            ]);
        });

        it("flags Istio 1.27 on Kubernetes 1.36 and points at the Istio releases that support it", async () => {
            const old = await capture("prod", "istio.version=1.27.3");
            expect(violationsOf("istio-kubernetes-compatible", old)[0].fix).to.equal("Set cluster.kubernetesVersion to one of 1.29, 1.30, 1.31, 1.32, 1.33, or istio.version to a release of Istio 1.31 or 1.30.");
        });
    });

    describe("postgres-supported-version", () => {
        const check = (resources: CapturedResource[], today: string) => violationsOf("postgres-supported-version", resources, on("postgres-supported-version", today)).map((v) => [v.message, v.fix]);

        it("passes: Flexible Server 17 and 16, CloudNativePG on PostgreSQL 18", () => {
            expect(check([...prod, flexibleServer("17")], "2026-12-01")).to.deep.equal([]);
            expect(check([...prod, flexibleServer("16")], "2026-12-01")).to.deep.equal([]);
            expect(check([...prod, cnpgCluster("ghcr.io/cloudnative-pg/postgresql:18.1-system-trixie")], "2026-12-01")).to.deep.equal([]);
        });

        it("flags Flexible Server 14 from the day after 2026-11-12", () => {
            expect(check([...prod, flexibleServer("14")], "2026-11-12")).to.deep.equal([]);
            expect(check([...prod, flexibleServer("14")], "2026-11-13")).to.deep.equal([
                ["Flexible Server ecommerce-prod-db: PostgreSQL 14 reached its end of life on 2026-11-12", "Set database.version to 17 or 16 (supported on 2026-11-13) and upgrade the server's major."],
            ]);
        });

        it("flags Flexible Server 18, which is in preview", () => {
            expect(check([...prod, flexibleServer("18")], "2026-12-01")).to.deep.equal([
                ["Flexible Server ecommerce-prod-db: PostgreSQL 18 is in preview, without production support", "Set database.version to 17 or 16 (supported on 2026-12-01) and upgrade the server's major."],
            ]);
        });

        it("flags a CloudNativePG image past its major's end of life", () => {
            // On that day prod's own Flexible Server 17 has ended too.
            expect(check([...prod, cnpgCluster("ghcr.io/cloudnative-pg/postgresql:18.1")], "2030-11-15")).to.deep.equal([
                ["Flexible Server ecommercemeshprod-pg: PostgreSQL 17 reached its end of life on 2029-11-08", "Pick a PostgreSQL major policies/support-table.json lists as supported."],
                ["CloudNativePG Cluster ecommerce/ecommerce-db: PostgreSQL 18 reached its end of life on 2030-11-14", "Pick a PostgreSQL major policies/support-table.json lists as supported."],
            ]);
        });

        it("is advisory in dev", async () => {
            const dev = [...(await capture("dev")), flexibleServer("14")];
            expect(violationsOf("postgres-supported-version", dev, "dev").map((v) => v.enforcementLevel)).to.deep.equal(["advisory"]);
        });
    });

    describe("support-table-knows-version", () => {
        it("passes: every shipped stack pins versions the table lists", async () => {
            for (const stack of ["local", "dev", "prod"] as const) {
                expect(violationsOf("support-table-knows-version", await capture(stack), stack), stack).to.deep.equal([]);
            }
        });

        it("reports, as advisories in prod, an Istio, Kubernetes and PostgreSQL version the table does not know", async () => {
            const unknown = [...(await capture("prod", "istio.version=1.33.0", "cluster.kubernetesVersion=1.38")), flexibleServer("15")];
            const found = violationsOf("support-table-knows-version", unknown, "prod");
            expect(found.map((v) => v.enforcementLevel)).to.deep.equal(["advisory", "advisory", "advisory"]);
            expect(found.map((v) => v.message)).to.deep.equal([
                "Helm release istio-system/istio-base, Helm release istio-system/istiod, Helm release istio-ingress/istio-ingressgateway: Istio 1.33.0 is not in the support table (policies/support-table.json knows 1.31, 1.30, 1.29, 1.28, 1.27), so its support cannot be judged",
                "ManagedCluster ecommerce-mesh-prod: AKS Kubernetes 1.38 is not in the support table (policies/support-table.json knows 1.37, 1.36, 1.35, 1.34, 1.33, 1.32), so its support cannot be judged",
                "Flexible Server ecommerce-prod-db: PostgreSQL 15 on Azure Database for PostgreSQL flexible server is not in the support table (policies/support-table.json knows 18, 17, 16, 14 for azure-flexible-server), so its support cannot be judged",
            ]);
            // ... and the version policies do not pass them as supported: they leave them to this one.
            expect(violationsOf("istio-supported-version", unknown)).to.deep.equal([]);
        });

        it("reports a CloudNativePG Cluster whose image does not say its major", () => {
            expect(summary(violationsOf("support-table-knows-version", [...prod, cnpgCluster()], "prod"))).to.deep.equal([
                "db: CloudNativePG Cluster ecommerce/ecommerce-db: spec.imageName is unset, so the operator's default image decides the major, so its support cannot be judged",
            ]);
        });
    });

    describe("lookAheadDays (the daily support check)", () => {
        const ahead = (policy: string, today: string, lookAheadDays: number): PolicyConfig => ({ [policy]: { enforcementLevel: "mandatory", today, lookAheadDays } });

        it("flags AKS 1.36 (last day 2027-06-30) from 2027-06-10 with a 21-day look-ahead (unsupported on 07-01), not with 20, nor without one", () => {
            const k8s = "kubernetes-supported-version";
            expect(violationsOf(k8s, prod, ahead(k8s, "2027-06-10", 0))).to.deep.equal([]);
            expect(violationsOf(k8s, prod, ahead(k8s, "2027-06-10", 20))).to.deep.equal([]);
            expect(violationsOf(k8s, prod, ahead(k8s, "2027-06-10", 21)).map((v) => [v.enforcementLevel, v.message])).to.deep.equal([
                ["mandatory", "ManagedCluster ecommerce-mesh-prod: Kubernetes 1.36 reaches its end of life on AKS on 2027-06-30, in 20 days (within the 21-day look-ahead), so AKS will not create or patch it"],
            ]);
        });

        it("keeps the past tense once the end has passed, whatever the look-ahead", async () => {
            const old = await capture("prod", "cluster.kubernetesVersion=1.33");
            const k8s = "kubernetes-supported-version";
            expect(violationsOf(k8s, old, ahead(k8s, "2026-12-01", 45)).map((v) => v.message)).to.deep.equal([
                "ManagedCluster ecommerce-mesh-prod: Kubernetes 1.33 reached its end of life on AKS on 2026-07-31, so AKS will not create or patch it",
            ]);
        });

        it("flags Istio 1.29 (last day 2026-10-01) and Flexible Server 16 (ends 2028-11-09) inside the window", async () => {
            const pinned = await capture("prod", "istio.version=1.29.6");
            const istio = "istio-supported-version";
            expect(violationsOf(istio, pinned, ahead(istio, "2026-09-01", 30))).to.deep.equal([]);
            expect(violationsOf(istio, pinned, ahead(istio, "2026-09-01", 31)).map((v) => v.message)).to.deep.equal([
                "Helm release istio-system/istio-base, Helm release istio-system/istiod, Helm release istio-ingress/istio-ingressgateway: Istio 1.29.6 reaches its end of life on 2026-10-01, in 30 days (within the 31-day look-ahead) and gets no security fixes",
            ]);
            const pg = "postgres-supported-version";
            expect(violationsOf(pg, [...prod, flexibleServer("16")], ahead(pg, "2028-10-20", 30)).map((v) => v.message)).to.include(
                "Flexible Server ecommerce-prod-db: PostgreSQL 16 reaches its end of life on 2028-11-09, in 20 days (within the 30-day look-ahead)",
            );
        });

        it("rejects a negative or fractional look-ahead, naming the setting", () => {
            const k8s = "kubernetes-supported-version";
            expect(() => violationsOf(k8s, prod, ahead(k8s, "2027-06-10", -1))).to.throw(/kubernetes-supported-version\.lookAheadDays: -1 is outside 0\.\.366/);
            expect(() => violationsOf(k8s, prod, ahead(k8s, "2027-06-10", 1.5))).to.throw(/kubernetes-supported-version\.lookAheadDays: 1\.5 is not of type integer/);
        });
    });
});
