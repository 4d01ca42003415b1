// The cluster and registry a stack deploys into: AKS + ACR on Azure, or the cluster of a
// kubeconfig context for `cluster.provider: existing` (kind, minikube, Docker Desktop).
import * as resources from "@pulumi/azure-native/resources";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AksCluster } from "../components/aksCluster";
import { ContainerRegistry, type RegistryPrivateEndpoint } from "../components/containerRegistry";
import { type StackConfig } from "../stacks";

export interface Platform {
    provider: k8s.Provider;
    clusterName: pulumi.Output<string>;
    kubeconfig?: pulumi.Output<string>;
    registry?: ContainerRegistry;
}

/** `registryEndpoint`: where the registry's private endpoint goes; the stack's network provides it. */
export function provisionPlatform(config: StackConfig, stack: string, registryEndpoint?: RegistryPrivateEndpoint): Platform {
    const { cluster } = config;
    if (cluster.provider === "existing") {
        const provider = new k8s.Provider("existing-cluster", { context: cluster.kubeconfigContext, enableServerSideApply: true });
        return { provider, clusterName: pulumi.output(cluster.kubeconfigContext ?? "current kubeconfig context") };
    }
    const group = new resources.ResourceGroup("ecommerce", { resourceGroupName: `ecommerce-mesh-${stack}`, location: cluster.location });
    const registry = new ContainerRegistry("registry", {
        resourceGroupName: group.name,
        location: group.location,
        registryName: config.registry.name!,
        sku: config.registry.sku,
        privateEndpoint: registryEndpoint,
    });
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
        adminGroupObjectIds: cluster.adminGroupObjectIds,
        registryId: registry.registryId,
        privateApiServer: cluster.privateApiServer,
    });
    return { provider: aks.provider, clusterName: aks.clusterName, kubeconfig: aks.kubeconfig, registry };
}
