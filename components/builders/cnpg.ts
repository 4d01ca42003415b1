// CloudNativePG: the operator chart (pinned) and the Cluster the services use, as plain data.
// Values are checked against the chart's own values.yaml in test/program/database.test.ts.
import { chartRow } from "../../stacks/support";

const row = chartRow("cloudnative-pg");

/** The operator chart, pinned in policies/support-table.json (its appVersion is the operator's). */
export const cnpgChart = {
    chart: row.name,
    version: row.version,
    repository: row.repository,
    namespace: "cnpg-system",
};

/** Helm values for the operator: its CRDs, one replica (two in prod), bounded resources. */
export function cnpgOperatorValues(highAvailability: boolean): Record<string, unknown> {
    return {
        replicaCount: highAvailability ? 2 : 1,
        crds: { create: true },
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        monitoring: { podMonitorEnabled: false },
    };
}

export interface ClusterSizing {
    instances: number;
    storageSize: string;
    storageClass?: string;
    maxConnections: number;
    /** PostgreSQL major: the operator's own image for it. */
    version: string;
}

/** Database and owner the operator bootstraps; its `<cluster>-app` Secret logs in as this owner, not the superuser. */
export const cnpgDatabase = { name: "ecommerce", owner: "ecommerce" };

export function cnpgClusterSpec(sizing: ClusterSizing): Record<string, unknown> {
    return {
        instances: sizing.instances,
        imageName: `ghcr.io/cloudnative-pg/postgresql:${sizing.version}`,
        // The superuser stays inside the operator: nothing outside needs it.
        enableSuperuserAccess: false,
        storage: { size: sizing.storageSize, ...(sizing.storageClass ? { storageClass: sizing.storageClass } : {}) },
        postgresql: { parameters: { max_connections: String(sizing.maxConnections) } },
        bootstrap: { initdb: { database: cnpgDatabase.name, owner: cnpgDatabase.owner } },
        // One instance per node, so a node loss takes at most one replica.
        affinity: { enablePodAntiAffinity: true, topologyKey: "kubernetes.io/hostname" },
    };
}
