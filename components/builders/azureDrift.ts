// What Azure changes by itself between two `pulumi up`s, as the ignoreChanges paths of the inputs
// the program sends. The deploy workflow runs `pulumi up` with refresh: azure-native's refresh
// copies Azure's values into the state's inputs (pulumi/pulumi-azure-native#280), and
// ignoreChanges keeps those instead of the program's first-run values.

/**
 * The cluster autoscaler sets `count` on a pool with enableAutoScaling, and AKS refuses a manual
 * count on it ("Cannot manually scale ... with cluster autoscaler enabled";
 * learn.microsoft.com/azure/aks/cluster-autoscaler). The count the program sends is the first
 * run's size only.
 */
export function agentPoolDrift(pool: { enableAutoScaling?: boolean }): string[] {
    return pool.enableAutoScaling ? ["count"] : [];
}

/**
 * Storage autogrow raises storageSizeGB when free space runs low, and storage never shrinks
 * (learn.microsoft.com/azure/postgresql/flexible-server/concepts-storage, "Storage autogrow"):
 * sending the configured size again after a grow is a shrink Azure refuses.
 */
export function flexibleServerDrift(storage: { autoGrow?: string }): string[] {
    return storage.autoGrow === "Enabled" ? ["storage.storageSizeGB"] : [];
}
