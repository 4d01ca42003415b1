// Volumes on a multi-zone cluster: the zone-redundant StorageClass (components/storage.ts) and
// which volumes use it.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { type Capture } from "../../tools/capture/capture";
import { runPolicies } from "../../policies/runner";
import { capture, type Json, ofKind, one, projectDir, spec } from "../support/stacks";

const prometheusClaim = (c: Capture) =>
    (one(c, "helm.sh/v3:Release", "kube-prometheus-stack").inputs as Json).values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec;

describe("volumes on a cluster spread over zones", () => {
    it("gives prod (three zones) a Premium_ZRS StorageClass on the Azure Disk CSI driver, bound when the pod is scheduled", async () => {
        const prod = await capture("prod");
        const zrs = one(prod, "storage.k8s.io/v1:StorageClass", "zone-redundant-volumes").inputs as Json;
        expect(zrs).to.deep.include({ provisioner: "disk.csi.azure.com", parameters: { skuName: "Premium_ZRS" }, volumeBindingMode: "WaitForFirstConsumer", allowVolumeExpansion: true });
        expect(zrs.metadata.name).to.equal("managed-csi-premium-zrs");
    });

    it("puts Prometheus's 100Gi volume on it, and creates the class before the release", async () => {
        const prod = await capture("prod");
        expect(prometheusClaim(prod)).to.deep.include({ storageClassName: "managed-csi-premium-zrs", resources: { requests: { storage: "100Gi" } } });
        const release = one(prod, "helm.sh/v3:Release", "kube-prometheus-stack");
        const parent = one(prod, "ecommerce:observability:Observability", "observability");
        expect(parent.dependencies).to.include(one(prod, "storage.k8s.io/v1:StorageClass", "zone-redundant-volumes").urn);
        expect(release.urn.startsWith(parent.urn.replace(/::observability$/, ""))).to.equal(true);
    });

    it("keeps a class the stack names (observability.metrics.storageClass)", async () => {
        expect(prometheusClaim(await capture("prod", "observability.metrics.storageClass=managed-csi-premium"))).to.include({ storageClassName: "managed-csi-premium" });
    });

    it("puts a CloudNativePG cluster's volumes on it too, after the class; an Azure server does not wait for it", async () => {
        const database = (c: Capture) => c.resources.find((r) => !r.custom && r.name === "database")!;
        const prod = await capture("prod", "database.provider=cluster");
        expect(spec(one(prod, "postgresql.cnpg.io/v1:Cluster", "database")).storage).to.deep.equal({ size: "50Gi", storageClass: "managed-csi-premium-zrs" });
        expect(database(prod).dependencies).to.include(one(prod, "storage.k8s.io/v1:StorageClass", "zone-redundant-volumes").urn);
        const azure = await capture("prod");
        expect(database(azure).dependencies).to.not.include(one(azure, "storage.k8s.io/v1:StorageClass", "zone-redundant-volumes").urn);
    });

    it("is documented where the keys are, with the class name the program creates", () => {
        const doc = readFileSync(path.join(projectDir, "docs", "configuration.md"), "utf8").replace(/\s+/g, " ");
        expect(doc.match(/`managed-csi-premium-zrs` on AKS over two or more zones/g)).to.have.length(2);
        expect(doc).to.contain("the program creates the StorageClass `managed-csi-premium-zrs` (`skuName: Premium_ZRS`, `components/storage.ts`)");
    });

    it("creates no class where the cluster has no zones (dev), and leaves the volume to the cluster's default", async () => {
        const dev = await capture("dev");
        expect(ofKind(dev, "storage.k8s.io/v1:StorageClass")).to.deep.equal([]);
        expect(prometheusClaim(dev)).to.not.have.property("storageClassName");
    });
});

describe("policy aks-zone-redundant-volumes", () => {
    const found = async (...overrides: string[]) =>
        runPolicies((await capture("prod", ...overrides)).resources, { environment: "prod", only: ["aks-zone-redundant-volumes"] }).map((v) => `${v.enforcementLevel} ${v.message}`);

    it("passes shipped prod, whose volumes are on the program's ZRS class", async () => {
        expect(await found()).to.deep.equal([]);
    });

    it("blocks prod when Prometheus's volume names an LRS class (fails on zonal disks)", async () => {
        expect(await found("observability.metrics.storageClass=managed-csi-premium")).to.deep.equal([
            'mandatory Release kube-prometheus-stack: values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName is "managed-csi-premium", not a zone-redundant class of this stack (managed-csi-premium-zrs)',
        ]);
    });

    it("blocks a CloudNativePG cluster on an LRS class, naming the object and path", async () => {
        expect(await found("database.provider=cluster", "database.cluster.storageClass=managed-csi")).to.deep.equal([
            'mandatory Cluster ecommerce-data/ecommerce-pg: spec.storage.storageClass is "managed-csi", not a zone-redundant class of this stack (managed-csi-premium-zrs)',
        ]);
    });

    it("says nothing where the pools have no zones (dev)", async () => {
        expect(runPolicies((await capture("dev")).resources, { environment: "prod", only: ["aks-zone-redundant-volumes"] })).to.deep.equal([]);
    });
});
