import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import * as pulumi from "@pulumi/pulumi";

import { addressPlan, type SubnetPlan } from "./builders/addressPlan";

export { addressPlan, type SubnetPlan };

export type SubnetName = keyof typeof addressPlan.subnets;

export interface NetworkArgs {
    resourceGroupName: pulumi.Input<string>;
    location: pulumi.Input<string>;
    vnetName: string;
    /** Private DNS zones to create and link to the VNet, by a key the caller picks. */
    privateDnsZones?: Record<string, string>;
}

/** The stack's virtual network: the subnets of the address plan and private DNS zones linked to it. */
export class Network extends pulumi.ComponentResource {
    public readonly vnetId: pulumi.Output<string>;
    public readonly vnetName: pulumi.Output<string>;
    public readonly addressSpace: readonly string[] = [addressPlan.vnet];
    public readonly subnetIds: Readonly<Record<SubnetName, pulumi.Output<string>>>;
    public readonly dnsZoneIds: Readonly<Record<string, pulumi.Output<string>>>;
    /** Resolves when every DNS zone is linked: a server registered in a zone before its link is unreachable by name. */
    public readonly dnsReady: pulumi.Resource[];

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:platform:Network", name, {}, opts);
        const child = { parent: this };
        const vnet = new network.VirtualNetwork(
            name,
            {
                virtualNetworkName: args.vnetName,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                addressSpace: { addressPrefixes: [...this.addressSpace] },
            },
            // Subnets are their own resources; the VNet must not reconcile them away.
            { ...child, ignoreChanges: ["subnets"] },
        );

        // Azure rejects concurrent writes to subnets of one VNet, so each waits for the one before.
        const subnetIds: Partial<Record<SubnetName, pulumi.Output<string>>> = {};
        let previous: pulumi.Resource = vnet;
        for (const [subnetName, plan] of Object.entries(addressPlan.subnets) as [SubnetName, SubnetPlan][]) {
            const subnet: network.Subnet = new network.Subnet(
                `${name}-${subnetName}`,
                {
                    subnetName,
                    resourceGroupName: args.resourceGroupName,
                    virtualNetworkName: vnet.name,
                    addressPrefix: plan.cidr,
                    ...(plan.delegation ? { delegations: [{ name: subnetName, serviceName: plan.delegation }] } : {}),
                    // No implicit outbound IP: egress goes through the cluster's load balancer or is blocked.
                    defaultOutboundAccess: false,
                },
                { ...child, dependsOn: [previous] },
            );
            subnetIds[subnetName] = subnet.id;
            previous = subnet;
        }
        this.subnetIds = subnetIds as Record<SubnetName, pulumi.Output<string>>;

        const dnsZoneIds: Record<string, pulumi.Output<string>> = {};
        this.dnsReady = [];
        for (const [key, zoneName] of Object.entries(args.privateDnsZones ?? {})) {
            const zone = new privatedns.PrivateZone(`${name}-${key}`, { privateZoneName: zoneName, resourceGroupName: args.resourceGroupName, location: "global" }, child);
            const link = new privatedns.VirtualNetworkLink(
                `${name}-${key}`,
                {
                    virtualNetworkLinkName: `${args.vnetName}-link`,
                    privateZoneName: zone.name,
                    resourceGroupName: args.resourceGroupName,
                    location: "global",
                    virtualNetwork: { id: vnet.id },
                    registrationEnabled: false,
                },
                child,
            );
            dnsZoneIds[key] = zone.id;
            this.dnsReady.push(link);
        }
        this.dnsZoneIds = dnsZoneIds;
        this.vnetId = vnet.id;
        this.vnetName = vnet.name;
        this.registerOutputs({ vnetId: this.vnetId, addressSpace: this.addressSpace, subnetIds: this.subnetIds, dnsZoneIds: this.dnsZoneIds });
    }
}
