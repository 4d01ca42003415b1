import { expect } from "chai";
import type { CapturedResource } from "../../tools/capture/capture";
import { capture, find, summary, violationsOf } from "./support";

const cluster = (resources: CapturedResource[]) => find(resources, "azure-native:containerservice:ManagedCluster", "aks").inputs;

describe("policies: Azure", () => {
    let prod: CapturedResource[];
    beforeEach(async () => {
        prod = await capture("prod");
    });

    describe("acr-admin-user-disabled", () => {
        it("passes: adminUserEnabled false", () => {
            expect(violationsOf("acr-admin-user-disabled", prod)).to.deep.equal([]);
        });

        it("flags the admin user and anonymous pull", () => {
            const registry = find(prod, "azure-native:containerregistry:Registry", "registry").inputs;
            registry.adminUserEnabled = true;
            registry.anonymousPullEnabled = true;
            expect(summary(violationsOf("acr-admin-user-disabled", prod))).to.deep.equal([
                "registry: Registry ecommercemeshprod: adminUserEnabled is true, a shared password with push rights",
                "registry: Registry ecommercemeshprod: anonymousPullEnabled is true, so anyone can pull the images",
            ]);
        });
    });

    describe("aks-entra-id-rbac", () => {
        it("passes: managed Entra ID with Azure RBAC", () => {
            expect(violationsOf("aks-entra-id-rbac", prod)).to.deep.equal([]);
        });

        it("flags a cluster without Azure RBAC", () => {
            cluster(prod).aadProfile.enableAzureRBAC = false;
            const found = violationsOf("aks-entra-id-rbac", prod);
            expect(found).to.have.length(1);
            expect(found[0].message).to.contain("ManagedCluster ecommerce-mesh-prod: aadProfile is").and.contain('"enableAzureRBAC":false');
        });
    });

    describe("aks-local-accounts-disabled", () => {
        it("passes prod: disableLocalAccounts true", () => {
            expect(violationsOf("aks-local-accounts-disabled", prod)).to.deep.equal([]);
        });

        it("blocks local accounts in prod, advises in dev", async () => {
            const found = violationsOf("aks-local-accounts-disabled", await capture("prod", "cluster.disableLocalAccounts=false"));
            expect(found.map((v) => [v.resource?.name, v.enforcementLevel])).to.deep.equal([["aks", "mandatory"]]);
            const dev = violationsOf("aks-local-accounts-disabled", await capture("dev", "cluster.disableLocalAccounts=false"), "dev");
            expect(dev.map((v) => v.enforcementLevel)).to.deep.equal(["advisory"]);
        });
    });

    describe("aks-workload-identity", () => {
        it("passes: OIDC issuer and workload identity on", () => {
            expect(violationsOf("aks-workload-identity", prod)).to.deep.equal([]);
        });

        it("flags a cluster without the OIDC issuer", () => {
            cluster(prod).oidcIssuerProfile.enabled = false;
            expect(summary(violationsOf("aks-workload-identity", prod))).to.deep.equal(["aks: ManagedCluster ecommerce-mesh-prod: oidcIssuerProfile.enabled not true, so workloads cannot use Entra Workload ID"]);
        });
    });

    describe("aks-network-policy", () => {
        it("passes: cilium network policy", () => {
            expect(violationsOf("aks-network-policy", prod)).to.deep.equal([]);
        });

        it("flags a cluster without a network policy engine", () => {
            delete cluster(prod).networkProfile.networkPolicy;
            expect(summary(violationsOf("aks-network-policy", prod))).to.deep.equal(["aks: ManagedCluster ecommerce-mesh-prod: networkProfile.networkPolicy is unset, so NetworkPolicies are ignored"]);
        });
    });

    describe("aks-pinned-kubernetes-version", () => {
        it("passes: 1.33 with the patch channel", () => {
            expect(violationsOf("aks-pinned-kubernetes-version", prod)).to.deep.equal([]);
        });

        it("flags an unset version and the rapid channel", () => {
            const props = cluster(prod);
            delete props.kubernetesVersion;
            props.autoUpgradeProfile.upgradeChannel = "rapid";
            expect(violationsOf("aks-pinned-kubernetes-version", prod).map((v) => v.message)).to.deep.equal([
                "ManagedCluster ecommerce-mesh-prod: kubernetesVersion is unset, so AKS picks the default version and it drifts between environments",
                "ManagedCluster ecommerce-mesh-prod: autoUpgradeProfile.upgradeChannel rapid upgrades to new minor versions on its own",
            ]);
        });
    });

    describe("aks-autoscaling-user-pool", () => {
        it("passes prod (user pool 3-12) and dev under its own config (1-3, minNodes 1)", async () => {
            expect(violationsOf("aks-autoscaling-user-pool", prod)).to.deep.equal([]);
            expect(violationsOf("aks-autoscaling-user-pool", await capture("dev"), "dev")).to.deep.equal([]);
        });

        it("blocks prod with a one-node user pool", async () => {
            const found = violationsOf("aks-autoscaling-user-pool", await capture("prod", "cluster.userPool.minCount=1"));
            expect(found.map((v) => [v.resource?.name, v.enforcementLevel])).to.deep.equal([["aks", "mandatory"]]);
            expect(found[0].message).to.equal("ManagedCluster ecommerce-mesh-prod: no User node pool autoscales with minCount ≥ 2 and maxCount above it (pools: system/System fixed, user/User 1-12)");
        });
    });
});
