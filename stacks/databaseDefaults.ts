// The data tier's defaults depend on the stack: where it runs decides the provider (Azure's
// Flexible Server beside AKS, CloudNativePG in any other cluster) and the environment decides
// the size and the resilience (a Burstable server in dev, zone-redundant General Purpose in prod).

type Plain = Record<string, unknown>;
const field = (value: unknown, key: string): unknown => (typeof value === "object" && value !== null ? (value as Plain)[key] : undefined);

const maintenanceWindow = { dayOfWeek: 0, startHour: 2, startMinute: 0 }; // Sunday 02:00 UTC

const azure = {
    dev: { sku: { tier: "Burstable", name: "Standard_B2s" }, storageSizeGB: 32, backupRetentionDays: 7, geoRedundantBackup: false, highAvailability: "Disabled", maintenanceWindow },
    prod: {
        sku: { tier: "GeneralPurpose", name: "Standard_D4ds_v5" },
        storageSizeGB: 128,
        backupRetentionDays: 14,
        geoRedundantBackup: true,
        highAvailability: "ZoneRedundant",
        zone: "1",
        standbyZone: "2",
        maintenanceWindow,
    },
};

const inCluster = {
    local: { instances: 1, storageSize: "5Gi", maxConnections: 200 },
    dev: { instances: 1, storageSize: "10Gi", maxConnections: 200 },
    prod: { instances: 3, storageSize: "50Gi", maxConnections: 400 },
};

/** Defaults for `database.*` given the raw stack config (before validation: unknown values fall back to dev). */
export function databaseDefaults(raw: Plain) {
    const environment = field(raw, "environment") === "prod" ? "prod" : field(raw, "environment") === "local" ? "local" : "dev";
    const clusterProvider = field(field(raw, "cluster"), "provider") ?? "aks";
    return {
        database: {
            provider: clusterProvider === "aks" ? "azure" : "cluster",
            version: "17",
            azure: environment === "prod" ? azure.prod : azure.dev,
            cluster: inCluster[environment],
        },
    };
}
