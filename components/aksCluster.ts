import * as containerservice from "@pulumi/azure-native/containerservice";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse, stringify } from "yaml";
import { agentPoolDrift } from "./builders/azureDrift";
import { assignRole, builtInRoles, grantDeployer } from "./builders/azureRoles";
import { GrantWait } from "./grantWait";
import { addressPlan } from "./network";

export interface AksClusterArgs {
    resourceGroupName: pulumi.Input<string>;
    location: pulumi.Input<string>;
    clusterName: string;
    kubernetesVersion: string;
    systemPool: { vmSize: string; count: number };
    userPool: { vmSize: string; minCount: number; maxCount: number };
    /** Zones both pools spread over; empty for regions without zones. */
    availabilityZones: string[];
    disableLocalAccounts: boolean;
    /** What kind of identity runs Pulumi: it is granted cluster admin. */
    deployerPrincipalType: "User" | "ServicePrincipal";
    /** AKS pricing tier (cluster.tier): Standard and Premium carry the uptime SLA. */
    tier: "Free" | "Standard" | "Premium";
    /** How kubelogin signs Pulumi in (cluster.kubeloginMode). */
    kubeloginMode: KubeloginMode;
    /** Entra ID groups that administer the cluster. */
    adminGroupObjectIds: string[];
    /** Registry the kubelet pulls from, granted AcrPull. */
    registryId: pulumi.Input<string>;
    /** API server on a private endpoint in the cluster's network instead of the internet. */
    privateApiServer: boolean;
    /** Subnet of the stack's VNet (components/network.ts) the nodes of both pools join. */
    nodeSubnetId: pulumi.Input<string>;
    /** The deploy job's network path to a private API server (components/deployerAccess.ts): the provider waits for it. */
    deployerPath?: pulumi.Resource[];
}

/**
 * AKS with Entra ID sign-in and Azure RBAC for Kubernetes, workload identity, Azure CNI
 * overlay with Cilium network policy, a tainted system pool and an autoscaling user pool.
 * Exposes a Kubernetes provider that deploys into it as the identity running Pulumi.
 */
export class AksCluster extends pulumi.ComponentResource {
    public readonly clusterName: pulumi.Output<string>;
    public readonly clusterId: pulumi.Output<string>;
    public readonly oidcIssuerUrl: pulumi.Output<string | undefined>;
    /** kubeconfig for the identity running Pulumi; needs `kubelogin` on PATH. */
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly provider: k8s.Provider;

    constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:platform:AksCluster", name, {}, opts);
        const child = { parent: this };
        const zones = args.availabilityZones.length ? { availabilityZones: args.availabilityZones } : {};
        const onSubnet = { vnetSubnetID: args.nodeSubnetId };

        // Every pool at the control plane's version: a cluster PUT upgrades only the pools it lists, so the
        // user pool moves with its own orchestratorVersion, after the cluster (learn.microsoft.com/azure/aks/upgrade-node-pools).
        const pool = { osType: "Linux", osSKU: "AzureLinux", type: "VirtualMachineScaleSets", orchestratorVersion: args.kubernetesVersion, ...zones, ...onSubnet };
        // Only the system pool stays inline: AKS requires one pool in the cluster's own PUT, and an
        // edit there puts every pool into Scaling (pulumi/pulumi-azure-native#4264).
        const agentPoolProfiles = [
            {
                name: "system",
                mode: "System",
                count: args.systemPool.count,
                vmSize: args.systemPool.vmSize,
                ...pool,
                // Keep application pods off the nodes that run CoreDNS, istiod's peers and other add-ons.
                nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"],
            },
        ];

        // A user-assigned control-plane identity, as AKS recommends with your own VNet: its grant on
        // the node subnet exists before the cluster does (learn.microsoft.com/azure/aks/use-managed-identity).
        const controlPlane = new managedidentity.UserAssignedIdentity(
            `${name}-control-plane`,
            { resourceName: `${args.clusterName}-control-plane`, resourceGroupName: args.resourceGroupName, location: args.location },
            child,
        );
        // It manages the node NICs and the load balancer on the stack's subnet.
        const onSubnetGrant = assignRole(
            `${name}-subnet-network-contributor`,
            { scope: args.nodeSubnetId, roleId: builtInRoles.networkContributor, principalId: controlPlane.principalId, principalType: "ServicePrincipal" },
            child,
        );

        const cluster = new containerservice.ManagedCluster(
            name,
            {
                resourceName: args.clusterName,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                dnsPrefix: args.clusterName,
                sku: { name: "Base", tier: args.tier },
                kubernetesVersion: args.kubernetesVersion,
                identity: { type: "UserAssigned", userAssignedIdentities: [controlPlane.id] },
                agentPoolProfiles,
                aadProfile: { managed: true, enableAzureRBAC: true, adminGroupObjectIDs: args.adminGroupObjectIds },
                disableLocalAccounts: args.disableLocalAccounts,
                ...(args.privateApiServer ? { apiServerAccessProfile: privateApiServerProfile } : {}),
                oidcIssuerProfile: { enabled: true },
                securityProfile: { workloadIdentity: { enabled: true } },
                networkProfile: {
                    networkPlugin: "azure",
                    networkPluginMode: "overlay",
                    // AKS's Cilium keeps socket LB out of pod namespaces (bpf-lb-sock false, hostns-only true), so sidecars see Service addresses (README).
                    networkDataplane: "cilium",
                    networkPolicy: "cilium",
                    podCidr: addressPlan.aks.podCidr,
                    serviceCidr: addressPlan.aks.serviceCidr,
                    dnsServiceIP: addressPlan.aks.dnsServiceIP,
                    loadBalancerSku: "standard",
                },
                // A minor-version pin with patch upgrades: security fixes land, the API surface does not move.
                autoUpgradeProfile: { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" },
            },
            { ...child, dependsOn: [onSubnetGrant] },
        );

        // The autoscaled pool is its own agentPools resource, changed by per-pool operations only. A cluster
        // PUT leaves pools it does not list alone, and a refresh does not fold this pool back into the
        // cluster's agentPoolProfiles (pulumi/pulumi-azure-native#579, the maintainers' walkthrough).
        const userPool = {
            agentPoolName: "user",
            mode: "User",
            enableAutoScaling: true,
            count: args.userPool.minCount,
            minCount: args.userPool.minCount,
            maxCount: args.userPool.maxCount,
            vmSize: args.userPool.vmSize,
            ...pool,
        };
        const userNodes = new containerservice.AgentPool(
            `${name}-user`,
            { resourceGroupName: args.resourceGroupName, resourceName: args.clusterName, ...userPool },
            { ...child, dependsOn: [cluster], ignoreChanges: agentPoolDrift(userPool) },
        );

        const kubeletObjectId = cluster.identityProfile.apply((profile) => {
            const objectId = profile?.["kubeletidentity"]?.objectId;
            if (!objectId) {
                throw new pulumi.RunError(`AKS cluster ${args.clusterName} reported no kubelet identity; cannot grant AcrPull`);
            }
            return objectId;
        });
        assignRole(`${name}-acr-pull`, { scope: args.registryId, roleId: builtInRoles.acrPull, principalId: kubeletObjectId, principalType: "ServicePrincipal" }, child);

        // The identity running Pulumi administers the cluster through Azure RBAC (no local admin account).
        const deployerIsAdmin = grantDeployer(
            `${name}-deployer-admin`,
            { scope: cluster.id, roleId: builtInRoles.aksRbacClusterAdmin, principalType: args.deployerPrincipalType },
            child,
        );

        const credentials = containerservice.listManagedClusterUserCredentialsOutput({
            resourceGroupName: args.resourceGroupName,
            resourceName: cluster.name,
            format: "exec",
            // The public name resolves to the private address, so peered networks need no DNS link.
            ...(args.privateApiServer ? { serverFqdn: "public" } : {}),
        });
        this.kubeconfig = pulumi.secret(
            credentials.kubeconfigs.apply((configs) => useKubelogin(Buffer.from(configs[0].value, "base64").toString("utf8"), args.kubeloginMode)),
        );
        // Over the deployer's network path, until the grant answers at the API server (bounded, named).
        const grantInEffect = new GrantWait(
            `${name}-deployer-admin-propagated`,
            { kubeconfig: this.kubeconfig, roleAssignmentId: deployerIsAdmin.id, grant: `AKS RBAC Cluster Admin on ${args.clusterName} for the identity running Pulumi` },
            { ...child, dependsOn: [deployerIsAdmin, ...(args.deployerPath ?? [])] },
        );
        this.provider = new k8s.Provider(name, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, {
            ...child,
            // Workloads schedule on the user pool only (the system pool is tainted): their awaits start once it has nodes.
            dependsOn: [grantInEffect, userNodes],
        });
        this.clusterName = cluster.name;
        this.clusterId = cluster.id;
        this.oidcIssuerUrl = cluster.oidcIssuerProfile.apply((profile) => profile?.issuerURL);
        this.registerOutputs({ clusterName: this.clusterName, kubeconfig: this.kubeconfig, oidcIssuerUrl: this.oidcIssuerUrl });
    }
}

/**
 * The API server answers only on a private endpoint in the cluster's network. AKS keeps a public
 * DNS name that resolves to that private address, and `az aks command invoke` as a break-glass.
 */
const privateApiServerProfile = { enablePrivateCluster: true, enablePrivateClusterPublicFQDN: true, privateDNSZone: "system" };

export type KubeloginMode = "azurecli" | "workloadidentity";

/**
 * AKS hands out an exec kubeconfig that runs `kubelogin --login devicecode`, which waits for a
 * browser. Pulumi runs unattended, so rewrite the exec args as `kubelogin convert-kubeconfig -l
 * <mode>` does (Azure/kubelogin pkg/internal/converter/convert.go): `get-token --login <mode>
 * --server-id <id>`, and no devicecode client or tenant id. azurecli uses the CLI's session;
 * workloadidentity reads AZURE_CLIENT_ID and AZURE_TENANT_ID and, in GitHub Actions, asks
 * ACTIONS_ID_TOKEN_REQUEST_URL for a fresh federated token each time (githubactionscredential.go).
 */
export function useKubelogin(kubeconfig: string, mode: KubeloginMode): string {
    const doc = parse(kubeconfig) as { users?: { user?: { exec?: { args?: string[] } } }[] };
    for (const entry of doc.users ?? []) {
        const exec = entry.user?.exec;
        const at = exec?.args?.indexOf("--server-id") ?? -1;
        if (exec?.args && at >= 0 && at + 1 < exec.args.length) {
            exec.args = ["get-token", "--login", mode, "--server-id", exec.args[at + 1]];
        }
    }
    return stringify(doc);
}
