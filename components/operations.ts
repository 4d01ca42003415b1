// Day-2 guards on the resources whose loss is not a redeploy: the data and the images.
import * as authorization from "@pulumi/azure-native/authorization";
import * as monitor from "@pulumi/azure-native/monitor";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as pulumi from "@pulumi/pulumi";

/**
 * A CanNotDelete management lock: Pulumi's `protect` stops only `pulumi destroy` of this stack;
 * the lock stops a delete from anywhere (portal, CLI, another stack) while reads and updates go
 * on (learn.microsoft.com/azure/azure-resource-manager/management/lock-resources).
 */
export function deleteLock(name: string, scope: pulumi.Input<string>, what: string, opts: pulumi.CustomResourceOptions): authorization.ManagementLockByScope {
    return new authorization.ManagementLockByScope(
        name,
        { scope, lockName: "do-not-delete", level: "CanNotDelete", notes: `ecommerce-mesh: ${what}; remove this lock on purpose before deleting` },
        opts,
    );
}

/**
 * Resource-log categories kept for an incident. AKS: kube-audit-admin (every write to the API
 * server, without the get/list volume of kube-audit) and guard (Entra ID and Azure RBAC sign-ins);
 * Flexible Server: PostgreSQLLogs (the server log). learn.microsoft.com/azure/aks/monitor-aks-reference,
 * learn.microsoft.com/azure/postgresql/flexible-server/concepts-monitoring.
 */
export const diagnosticCategories = { aks: ["kube-audit-admin", "guard"], postgres: ["PostgreSQLLogs"] } as const;

export interface DiagnosticsArgs {
    resourceGroupName: pulumi.Input<string>;
    location: pulumi.Input<string>;
    workspaceName: string;
    /** How long the workspace keeps the logs (cluster.logRetentionDays). */
    retentionInDays: number;
    /** Resources whose logs go to the workspace, by a key and their categories. */
    targets: { key: string; resourceUri: pulumi.Input<string>; categories: readonly string[] }[];
}

/** A Log Analytics workspace and a diagnostic setting per target that sends it those logs. */
export class Diagnostics extends pulumi.ComponentResource {
    public readonly workspaceId: pulumi.Output<string>;

    constructor(name: string, args: DiagnosticsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:platform:Diagnostics", name, {}, opts);
        const child = { parent: this };
        const workspace = new operationalinsights.Workspace(
            name,
            { workspaceName: args.workspaceName, resourceGroupName: args.resourceGroupName, location: args.location, sku: { name: "PerGB2018" }, retentionInDays: args.retentionInDays },
            child,
        );
        for (const target of args.targets) {
            new monitor.DiagnosticSetting(
                `${name}-${target.key}`,
                {
                    name: "to-log-analytics",
                    resourceUri: target.resourceUri,
                    workspaceId: workspace.id,
                    // Resource-specific tables rather than AzureDiagnostics, as Learn recommends for AKS.
                    logAnalyticsDestinationType: "Dedicated",
                    logs: target.categories.map((category) => ({ category, enabled: true })),
                },
                child,
            );
        }
        this.workspaceId = workspace.id;
        this.registerOutputs({ workspaceId: this.workspaceId });
    }
}
