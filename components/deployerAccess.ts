import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import { Provider } from "@pulumi/azure-native/provider";
import * as pulumi from "@pulumi/pulumi";
import { parseVirtualNetworkId } from "../stacks/deployerSchema";

export interface DeployerAccessArgs {
    /** The deploy job's VNet (config deployer.network.virtualNetworkId). */
    deployerVirtualNetworkId: string;
    /** The stack's VNet, peered with the deployer's. */
    stack: { resourceGroupName: pulumi.Input<string>; vnetName: pulumi.Input<string>; vnetId: pulumi.Input<string> };
    /** The registry's private zone, when it has one: the deployer must resolve the registry to its endpoint to push. */
    registryDnsZone?: { resourceGroupName: pulumi.Input<string>; zoneName: string; zone: pulumi.Resource };
}

/**
 * The deploy job's path to the stack's private endpoints: VNet peering both ways and the
 * registry's private DNS zone linked to the deployer's VNet. The private API server needs no
 * zone link: its public FQDN resolves to the private address (enablePrivateClusterPublicFQDN).
 * Peering is not transitive, and each side's peering must exist before traffic flows
 * (learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview).
 */
export class DeployerAccess extends pulumi.ComponentResource {
    /** Every Kubernetes call and image push waits for these. */
    public readonly ready: pulumi.CustomResource[];

    constructor(name: string, args: DeployerAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:platform:DeployerAccess", name, {}, opts);
        const child = { parent: this };
        const deployer = parseVirtualNetworkId(args.deployerVirtualNetworkId);
        const toDeployer = new network.VirtualNetworkPeering(
            `${name}-to-deployer`,
            {
                resourceGroupName: args.stack.resourceGroupName,
                virtualNetworkName: args.stack.vnetName,
                virtualNetworkPeeringName: `to-${deployer.name}`,
                remoteVirtualNetwork: { id: args.deployerVirtualNetworkId },
                allowVirtualNetworkAccess: true,
            },
            child,
        );
        // The deployer's VNet may live in another subscription: its side is written there.
        const inDeployerSubscription = new Provider(`${name}-deployer-subscription`, { subscriptionId: deployer.subscriptionId }, child);
        const fromDeployer = new network.VirtualNetworkPeering(
            `${name}-from-deployer`,
            {
                resourceGroupName: deployer.resourceGroupName,
                virtualNetworkName: deployer.name,
                virtualNetworkPeeringName: pulumi.interpolate`to-${args.stack.vnetName}`,
                remoteVirtualNetwork: { id: args.stack.vnetId },
                allowVirtualNetworkAccess: true,
            },
            { ...child, provider: inDeployerSubscription, dependsOn: [toDeployer] },
        );
        this.ready = [toDeployer, fromDeployer];
        const zone = args.registryDnsZone;
        if (zone) {
            this.ready.push(
                new privatedns.VirtualNetworkLink(
                    `${name}-registry-dns`,
                    {
                        resourceGroupName: zone.resourceGroupName,
                        privateZoneName: zone.zoneName,
                        virtualNetworkLinkName: `deployer-${deployer.name}`,
                        location: "global",
                        registrationEnabled: false,
                        virtualNetwork: { id: args.deployerVirtualNetworkId },
                    },
                    { ...child, dependsOn: [zone.zone] },
                ),
            );
        }
        this.registerOutputs({});
    }
}
