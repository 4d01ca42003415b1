// Volumes that follow their pod across zones. An Azure LRS disk lives in one zone, so a pod that
// mounts it can only run there: if that zone fails, or the one multi-zone pool has no node there,
// the pod stays Pending. A ZRS disk is replicated across three zones and attaches to a node in any
// of them (learn.microsoft.com/azure/aks/availability-zones-overview; skuName Premium_ZRS in
// kubernetes-sigs/azuredisk-csi-driver docs/driver-parameters.md). Chosen over one pool per zone,
// which keeps each volume zonal and triples the pools' minimum node count.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type StackConfig } from "../stacks";

export const zoneRedundantClass = { name: "managed-csi-premium-zrs", skuName: "Premium_ZRS" };

/** The StorageClass the stack's volumes use on a cluster spread over two or more zones. */
export function zoneRedundantStorageClass(name: string, opts: pulumi.CustomResourceOptions): k8s.storage.v1.StorageClass {
    return new k8s.storage.v1.StorageClass(
        name,
        {
            metadata: { name: zoneRedundantClass.name },
            provisioner: "disk.csi.azure.com",
            parameters: { skuName: zoneRedundantClass.skuName },
            reclaimPolicy: "Delete",
            // Provision once the pod is scheduled, as AKS's built-in classes do; expansion as Prometheus's PVC grows.
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: true,
        },
        opts,
    );
}

/** The config with the platform's StorageClass wherever a volume's class is left to the cluster default. */
export function withVolumeClass(config: StackConfig, storageClass: string | undefined): StackConfig {
    if (!storageClass) {
        return config;
    }
    const metrics = config.observability.metrics;
    const cluster = config.database.cluster;
    return {
        ...config,
        observability: { ...config.observability, metrics: { ...metrics, storageClass: metrics.storageClass ?? storageClass } },
        database: { ...config.database, ...(cluster ? { cluster: { ...cluster, storageClass: cluster.storageClass ?? storageClass } } : {}) },
    };
}
