import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import * as pulumi from "@pulumi/pulumi";
import { deleteLock } from "./operations";

/** Azure's fixed private DNS zone for ACR private endpoints (login and data endpoints). */
export const registryPrivateDnsZone = "privatelink.azurecr.io";

export interface RegistryPrivateEndpoint {
    /** Subnet the endpoint's network interface is placed in. */
    subnetId: pulumi.Input<string>;
    /** Networks that resolve the registry to the endpoint: the cluster's, and the CI runner's when it is elsewhere. */
    virtualNetworkIds: pulumi.Input<string>[];
}

export interface ContainerRegistryArgs {
    resourceGroupName: pulumi.Input<string>;
    location: pulumi.Input<string>;
    /** Globally unique ACR name, 5–50 letters and digits. */
    registryName: string;
    sku: "Basic" | "Standard" | "Premium";
    /** With it, public network access is off and the registry is reached through this endpoint only. */
    privateEndpoint?: RegistryPrivateEndpoint;
    /** Pulumi's protect and a CanNotDelete lock on the registry (prod): its images are what every pod pulls. */
    protect?: boolean;
}

/** The ACR that holds the service images. Pulls use the cluster's identity, never an admin password. */
export class ContainerRegistry extends pulumi.ComponentResource {
    public readonly registryId: pulumi.Output<string>;
    public readonly loginServer: pulumi.Output<string>;
    /** The privatelink zone, with a private endpoint: other networks that push or pull link to it. */
    public readonly privateDnsZone?: { resourceGroupName: pulumi.Input<string>; zoneName: string; zone: pulumi.Resource };
    /** With a private endpoint: the endpoint and the zone group that writes its A records. A push waits for both. */
    public readonly privateAccess: pulumi.CustomResource[] = [];

    constructor(name: string, args: ContainerRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:platform:ContainerRegistry", name, {}, opts);
        const child = { parent: this };
        const endpoint = args.privateEndpoint;
        if (endpoint && args.sku !== "Premium") {
            throw new pulumi.RunError(`ecommerce-mesh:registry.sku: ${args.sku} has no private endpoints; a private registry needs Premium`);
        }
        const registry = new containerregistry.Registry(
            name,
            {
                registryName: args.registryName,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                sku: { name: args.sku },
                adminUserEnabled: false,
                // Trusted Azure services (Defender image scanning) still reach a private registry.
                ...(endpoint ? { publicNetworkAccess: "Disabled", networkRuleBypassOptions: "AzureServices" } : {}),
            },
            { ...child, protect: args.protect },
        );
        if (args.protect) {
            deleteLock(`${name}-lock`, registry.id, "the images every pod pulls", child);
        }
        if (endpoint) {
            const { zone, privateEndpoint, zoneGroup } = privateAccess(name, args, endpoint, registry, child);
            this.privateDnsZone = { resourceGroupName: args.resourceGroupName, zoneName: registryPrivateDnsZone, zone };
            this.privateAccess = [privateEndpoint, zoneGroup];
        }
        this.registryId = registry.id;
        this.loginServer = registry.loginServer;
        this.registerOutputs({ registryId: this.registryId, loginServer: this.loginServer });
    }
}

/** The endpoint in the subnet, and the privatelink zone that maps the registry's names to it. */
function privateAccess(
    name: string,
    args: ContainerRegistryArgs,
    endpoint: RegistryPrivateEndpoint,
    registry: containerregistry.Registry,
    child: pulumi.CustomResourceOptions,
): { zone: privatedns.PrivateZone; privateEndpoint: network.PrivateEndpoint; zoneGroup: network.PrivateDnsZoneGroup } {
    const common = { resourceGroupName: args.resourceGroupName };
    const zone = new privatedns.PrivateZone(`${name}-dns`, { ...common, privateZoneName: registryPrivateDnsZone, location: "global" }, child);
    endpoint.virtualNetworkIds.forEach(
        (virtualNetworkId, i) =>
            new privatedns.VirtualNetworkLink(
                `${name}-dns-link-${i}`,
                { ...common, privateZoneName: registryPrivateDnsZone, virtualNetworkLinkName: `${args.registryName}-${i}`, location: "global", registrationEnabled: false, virtualNetwork: { id: virtualNetworkId } },
                { ...child, dependsOn: [zone] },
            ),
    );
    const endpointName = `${args.registryName}-registry`;
    const privateEndpoint = new network.PrivateEndpoint(
        `${name}-endpoint`,
        {
            ...common,
            location: args.location,
            privateEndpointName: endpointName,
            subnet: { id: endpoint.subnetId },
            privateLinkServiceConnections: [{ name: "registry", privateLinkServiceId: registry.id, groupIds: ["registry"] }],
        },
        child,
    );
    const zoneGroup = new network.PrivateDnsZoneGroup(
        `${name}-endpoint-dns`,
        {
            ...common,
            privateEndpointName: endpointName,
            privateDnsZoneGroupName: "default",
            privateDnsZoneConfigs: [{ name: "privatelink-azurecr-io", privateDnsZoneId: zone.id }],
        },
        { ...child, dependsOn: [privateEndpoint] },
    );
    return { zone, privateEndpoint, zoneGroup };
}
