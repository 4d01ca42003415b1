// The data tier: Azure Database for PostgreSQL Flexible Server (azure-native's
// dbforpostgresql Server and its Configuration parameters), CloudNativePG Clusters, and the
// connection budget of the pods that connect to either.

import { asArray, asObject, asString, type K8sObject, type Plain } from "../lib/k8s";
import { meshIndex, type MeshIndex } from "../lib/meshIndex";
import { report } from "../lib/report";
import type { ReportViolation, ResourceArgs, ResourcePolicy, StackPolicy } from "../lib/types";

const serverType = "azure-native:dbforpostgresql:Server";
const configurationType = "azure-native:dbforpostgresql:Configuration";

function onServer(check: (props: Plain, server: string, reportViolation: ReportViolation, config: Plain) => void) {
    return (args: ResourceArgs, reportViolation: ReportViolation) => {
        if (args.type === serverType) {
            const props = args.props ?? {};
            check(props, `Flexible Server ${asString(props.serverName) ?? args.name}`, reportViolation, args.getConfig<Plain>());
        }
    };
}

/** The server parameters a stack declares, by server name. */
function parametersOf(index: MeshIndex, serverName: unknown): Record<string, string> {
    const entries = index.ofType(configurationType).filter(({ props }) => props.serverName === serverName);
    return Object.fromEntries(entries.map(({ props }) => [String(props.configurationName), String(props.value)]));
}

export const postgresPrivateAccess: ResourcePolicy = {
    name: "postgres-public-network-access-disabled",
    description:
        "Every Flexible Server is reachable only from the stack's virtual network: network.publicNetworkAccess Disabled and a delegated subnet (network.delegatedSubnetResourceId) with a private DNS zone. Mandatory in prod. Equivalent: Azure Policy 'Public network access should be disabled for PostgreSQL flexible servers'.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: onServer((props, server, reportViolation) => {
        const network = asObject(props.network);
        const missing = [
            network.publicNetworkAccess === "Disabled" ? "" : `publicNetworkAccess is ${asString(network.publicNetworkAccess) ?? "unset (Azure's default: Enabled)"}`,
            network.delegatedSubnetResourceId ? "" : "no delegatedSubnetResourceId",
            network.privateDnsZoneArmResourceId ? "" : "no privateDnsZoneArmResourceId",
        ].filter(Boolean);
        if (missing.length) {
            report(reportViolation, {
                message: `${server}: ${missing.join(", ")}, so the server is not private to the stack's network`,
                fix: `Set network: { publicNetworkAccess: "Disabled", delegatedSubnetResourceId, privateDnsZoneArmResourceId } (database.provider azure does this).`,
            });
        }
    }),
};

export const postgresTls: StackPolicy = {
    name: "postgres-tls-enforced",
    description:
        "Every Flexible Server declares require_secure_transport on (a server Configuration resource), so clients that try plain TCP are refused; declared rather than left to Azure's default, a change made in the portal shows up as drift. Equivalent: Azure Policy 'Enforce SSL connection should be enabled for PostgreSQL database servers'.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        for (const { resource, props } of index.ofType(serverType)) {
            const value = parametersOf(index, props.serverName).require_secure_transport;
            if (value?.toLowerCase() !== "on") {
                report(reportViolation, {
                    urn: resource.urn,
                    message: `Flexible Server ${asString(props.serverName) ?? resource.name}: require_secure_transport is ${value ?? "not declared"}, so connections without TLS may be accepted`,
                    fix: `Add a dbforpostgresql.Configuration require_secure_transport = "on" for the server.`,
                });
            }
        }
    },
};

export const postgresResilience: ResourcePolicy = {
    name: "postgres-ha-and-geo-backup",
    description:
        "A prod Flexible Server runs zone-redundant high availability (a standby in another zone, failover without data loss) and geo-redundant backups (a restore in the paired region when the region is lost). Mandatory in prod, off elsewhere. Equivalent: Azure Policy 'Geo-redundant backup should be enabled for Azure Database for PostgreSQL' and the Flexible Server reliability guidance.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: onServer((props, server, reportViolation) => {
        const mode = asString(asObject(props.highAvailability).mode) ?? "Disabled";
        const geo = asString(asObject(props.backup).geoRedundantBackup) ?? "Disabled";
        const problems = [mode === "ZoneRedundant" ? "" : `highAvailability.mode is ${mode}`, geo === "Enabled" ? "" : `backup.geoRedundantBackup is ${geo}`].filter(Boolean);
        if (problems.length) {
            report(reportViolation, {
                message: `${server}: ${problems.join(" and ")}, so a zone or region outage loses the database or its backups`,
                fix: `Set database.azure.highAvailability: ZoneRedundant (General Purpose or Memory Optimized) and database.azure.geoRedundantBackup: true.`,
            });
        }
    }),
};

export const postgresBackupRetention: ResourcePolicy = {
    name: "postgres-backup-retention",
    description: "Every Flexible Server keeps its backups at least `minDays` days (backup.backupRetentionDays; Azure's own default is 7), so a bad migration found after a weekend can still be undone. Equivalent: the Flexible Server backup guidance (no Azure Policy built-in).",
    enforcementLevel: "mandatory",
    severity: "medium",
    configSchema: { properties: { minDays: { type: "integer", default: 7, minimum: 7, maximum: 35, description: "Fewest backup retention days accepted." } } },
    validateResource: onServer((props, server, reportViolation, config) => {
        const minDays = Number(config.minDays ?? 7);
        const days = asObject(props.backup).backupRetentionDays;
        if (typeof days !== "number" || days < minDays) {
            report(reportViolation, {
                message: `${server}: backup.backupRetentionDays is ${days ?? "unset"}, below ${minDays} days`,
                fix: `Set database.azure.backupRetentionDays to ${minDays} or more (at most 35).`,
            });
        }
    }),
};

export const cnpgInstances: ResourcePolicy = {
    name: "cnpg-cluster-instances",
    description:
        "A CloudNativePG Cluster runs at least `minInstances` instances (a primary and a streaming replica the operator promotes when the primary's node fails). Mandatory in prod, off elsewhere (a local cluster runs one). Equivalent: CloudNativePG's architecture guidance for production.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: { properties: { minInstances: { type: "integer", default: 2, minimum: 1, description: "Fewest instances a Cluster may run." } } },
    validateResource: (args, reportViolation) => {
        const props = args.props ?? {};
        if (args.type !== "kubernetes:postgresql.cnpg.io/v1:Cluster") return;
        const minInstances = Number(args.getConfig<Plain>().minInstances ?? 2);
        const instances = asObject(props.spec).instances;
        if (typeof instances !== "number" || instances < minInstances) {
            const meta = asObject(props.metadata);
            report(reportViolation, {
                message: `Cluster ${asString(meta.namespace) ?? "default"}/${asString(meta.name) ?? args.name}: spec.instances is ${instances ?? "unset"}, below ${minInstances}, so losing one node stops the database`,
                fix: `Set database.cluster.instances to ${minInstances} or more.`,
            });
        }
    },
};

/** Pods a workload may run at once: its HPA's maximum (else spec.replicas), plus the rolling update's surge. */
function peakPods(workload: { object: K8sObject; hpa?: K8sObject }): number {
    const replicas = workload.hpa ? Number(workload.hpa.spec.maxReplicas) : Number(workload.object.spec.replicas ?? 1);
    const surge = asObject(asObject(workload.object.spec.strategy).rollingUpdate).maxSurge;
    // A percentage surge rounds up, as Kubernetes does.
    const extra = typeof surge === "number" ? surge : typeof surge === "string" && surge.endsWith("%") ? Math.ceil((replicas * Number(surge.slice(0, -1))) / 100) : 1;
    return replicas + extra;
}

export const connectionBudget: StackPolicy = {
    name: "database-connection-budget",
    description:
        "The pods that connect to the stack's PostgreSQL fit its connection limit: the sum over Deployments of DATABASE_POOL_MAX × the most pods they may run (HPA maxReplicas, else replicas, plus the rolling update's maxSurge) is at most max_connections minus the reserved connections (Azure keeps 15 on a Flexible Server; PostgreSQL keeps superuser_reserved_connections, 3 by default, in a CloudNativePG Cluster). max_connections is read from the server's declared Configuration or the Cluster's postgresql.parameters. Mandatory in prod, advisory elsewhere. Equivalent: none built in; Azure's Flexible Server connection limits table.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: { properties: { azureReservedConnections: { type: "integer", default: 15, minimum: 0, description: "Connections Azure reserves on a Flexible Server." } } },
    validateStack: (args, reportViolation) => {
        const { azureReservedConnections = 15 } = args.getConfig<{ azureReservedConnections?: number }>();
        const index = meshIndex(args.resources);
        const servers = [
            ...index.ofType(serverType).map(({ resource, props }) => {
                const max = Number(parametersOf(index, props.serverName).max_connections);
                return { urn: resource.urn, label: `Flexible Server ${asString(props.serverName) ?? resource.name}`, max, reserved: azureReservedConnections };
            }),
            ...index.kind("Cluster").filter((object) => object.apiVersion === "postgresql.cnpg.io/v1").map((object) => {
                const parameters = asObject(asObject(object.spec.postgresql).parameters);
                return { urn: object.urn, label: `Cluster ${object.namespace}/${object.name}`, max: Number(parameters.max_connections ?? 100), reserved: Number(parameters.superuser_reserved_connections ?? 3) };
            }),
        ];
        if (servers.length === 0) return; // an external database: its limits are not in this stack
        const demand = index.workloads
            .filter((workload) => workload.object.kind === "Deployment")
            .flatMap((workload) => {
                const pool = asArray(asArray(workload.pod.spec.containers)[0]?.env).find((env) => asObject(env).name === "DATABASE_POOL_MAX");
                return pool ? [{ name: workload.object.name, connections: Number(asObject(pool).value) * peakPods(workload) }] : [];
            });
        const total = demand.reduce((sum, entry) => sum + entry.connections, 0);
        for (const server of servers) {
            const available = server.max - server.reserved;
            if (!Number.isFinite(server.max)) {
                report(reportViolation, { urn: server.urn, message: `${server.label}: max_connections is not declared, so the budget of ${total} connections cannot be checked`, fix: `Declare max_connections (database.provider azure writes it from the SKU table).` });
            } else if (total > available) {
                const largest = [...demand].sort((a, b) => b.connections - a.connections).slice(0, 3).map((entry) => `${entry.name} ${entry.connections}`).join(", ");
                report(reportViolation, {
                    urn: server.urn,
                    message: `${server.label}: the pods may open ${total} connections but only ${available} are available (max_connections ${server.max} − ${server.reserved} reserved); largest: ${largest}`,
                    fix: `Lower services.<name>.databasePoolSize or the maximum replicas, or pick a larger SKU (database.azure.sku) / database.cluster.maxConnections.`,
                });
            }
        }
    },
};

export const databasePolicies = [postgresPrivateAccess, postgresTls, postgresResilience, postgresBackupRetention, cnpgInstances, connectionBudget];
