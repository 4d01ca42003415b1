// The cluster and registry a stack deploys into: AKS + ACR on Azure, or the cluster of a
// kubeconfig context for `cluster.provider: existing` (kind, minikube, Docker Desktop).
import * as resources from "@pulumi/azure-native/resources";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AksCluster } from "../components/aksCluster";
import { ContainerRegistry, type RegistryPrivateEndpoint } from "../components/containerRegistry";
import { postgresDnsZoneName } from "../components/database";
import { type Database } from "../components/database";
import { DeployerAccess } from "../components/deployerAccess";
import { diagnosticCategories, Diagnostics, type DiagnosticsArgs } from "../components/operations";
import { Network } from "../components/network";
import { zoneRedundantClass, zoneRedundantStorageClass } from "../components/storage";
import { type StackConfig } from "../stacks";

export interface Platform {
    provider: k8s.Provider;
    clusterName: pulumi.Output<string>;
    kubeconfig?: pulumi.Output<string>;
    registry?: ContainerRegistry;
    /** The stack's Azure resource group and VNet (AKS stacks only), which the data tier joins. */
    azure?: { resourceGroupName: pulumi.Output<string>; location: pulumi.Output<string>; network: Network; oidcIssuerUrl: pulumi.Output<string | undefined> };
    /** The deploy job's network path (deployer.network): image pushes and Kubernetes calls wait for it. */
    deployerPath: pulumi.CustomResource[];
    /** The AKS cluster's resource id (AKS stacks only). */
    clusterId?: pulumi.Output<string>;
    /** The StorageClass for the stack's volumes when the cluster spans zones (components/storage.ts); volumes wait for it. */
    volumeClass?: { name: string; ready: pulumi.Resource[] };
}

/** Flexible Server names are global DNS names: derived from the registry's, which is globally unique too. */
export const postgresServerName = (config: StackConfig) => `${config.registry.name!.toLowerCase()}-pg`;

/** The registry's private endpoint in the stack's network (registry.privateEndpoint), resolved from that VNet. */
const registryEndpointIn = (network: Network): RegistryPrivateEndpoint => ({ subnetId: network.subnetIds.privateEndpoints, virtualNetworkIds: [network.vnetId] });

/** `registryEndpoint`: where the registry's private endpoint goes, when not in the stack's own network. */
export function provisionPlatform(config: StackConfig, stack: string, registryEndpoint?: RegistryPrivateEndpoint): Platform {
    const { cluster } = config;
    if (cluster.provider === "existing") {
        const provider = new k8s.Provider("existing-cluster", { context: cluster.kubeconfigContext, enableServerSideApply: true });
        return { provider, clusterName: pulumi.output(cluster.kubeconfigContext ?? "current kubeconfig context"), deployerPath: [] };
    }
    const group = new resources.ResourceGroup("ecommerce", { resourceGroupName: `ecommerce-mesh-${stack}`, location: cluster.location });
    const network = new Network("network", {
        resourceGroupName: group.name,
        location: group.location,
        vnetName: `ecommerce-mesh-${stack}`,
        privateDnsZones: config.database.provider === "azure" ? { postgres: postgresDnsZoneName(postgresServerName(config)) } : {},
    });
    const registry = new ContainerRegistry("registry", {
        resourceGroupName: group.name,
        location: group.location,
        registryName: config.registry.name!,
        sku: config.registry.sku,
        privateEndpoint: registryEndpoint ?? (config.registry.privateEndpoint ? registryEndpointIn(network) : undefined),
        protect: config.environment === "prod",
    });
    const deployer = config.deployer.network
        ? new DeployerAccess("deployer", {
              deployerVirtualNetworkId: config.deployer.network.virtualNetworkId,
              stack: { resourceGroupName: group.name, vnetName: network.vnetName, vnetId: network.vnetId },
              registryDnsZone: registry.privateDnsZone,
          })
        : undefined;
    const deployerPath = deployer?.ready ?? [];
    const aks = new AksCluster("aks", {
        resourceGroupName: group.name,
        location: group.location,
        clusterName: `ecommerce-mesh-${stack}`,
        kubernetesVersion: cluster.kubernetesVersion,
        systemPool: cluster.systemPool,
        userPool: cluster.userPool,
        availabilityZones: cluster.availabilityZones,
        disableLocalAccounts: cluster.disableLocalAccounts,
        deployerPrincipalType: cluster.deployerPrincipalType,
        kubeloginMode: cluster.kubeloginMode,
        tier: cluster.tier,
        adminGroupObjectIds: cluster.adminGroupObjectIds,
        registryId: registry.registryId,
        privateApiServer: cluster.privateApiServer,
        nodeSubnetId: network.subnetIds.aksNodes,
        deployerPath,
    });
    const zoneRedundant = cluster.availabilityZones.length > 1 ? zoneRedundantStorageClass("zone-redundant-volumes", { provider: aks.provider }) : undefined;
    return {
        provider: aks.provider,
        clusterName: aks.clusterName,
        kubeconfig: aks.kubeconfig,
        registry,
        azure: { resourceGroupName: group.name, location: group.location, network, oidcIssuerUrl: aks.oidcIssuerUrl },
        deployerPath,
        clusterId: aks.clusterId,
        ...(zoneRedundant ? { volumeClass: { name: zoneRedundantClass.name, ready: [zoneRedundant] } } : {}),
    };
}

/** With cluster.logRetentionDays: the cluster's audit and the Flexible Server's logs in Log Analytics. */
export function recordDiagnostics(config: StackConfig, platform: Platform, database: Database): Diagnostics | undefined {
    const days = config.cluster.logRetentionDays;
    if (!days || !platform.azure || !platform.clusterId) {
        return undefined;
    }
    const targets: DiagnosticsArgs["targets"] = [{ key: "aks", resourceUri: platform.clusterId, categories: diagnosticCategories.aks }];
    if (database.azureServerId) {
        targets.push({ key: "postgres", resourceUri: database.azureServerId, categories: diagnosticCategories.postgres });
    }
    return new Diagnostics("diagnostics", {
        resourceGroupName: platform.azure.resourceGroupName,
        location: platform.azure.location,
        workspaceName: `${config.registry.name!.toLowerCase()}-logs`,
        retentionInDays: days,
        targets,
    });
}
