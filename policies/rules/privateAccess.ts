// The platform's own doors: the Kubernetes API server and the container registry must not be
// open to the whole internet.

import { asArray, asObject, asString, type Plain } from "../lib/k8s";
import { meshIndex } from "../lib/meshIndex";
import { report } from "../lib/report";
import type { ResourcePolicy, StackPolicy } from "../lib/types";

const anyAddress = new Set(["0.0.0.0/0", "0.0.0.0", "::/0", "*"]);
export const registryPrivateDnsZone = "privatelink.azurecr.io";

export const aksApiServerAccess: ResourcePolicy = {
    name: "aks-api-server-access",
    description:
        "The AKS API server is not open to the internet: the cluster is private (apiServerAccessProfile.enablePrivateCluster), or its authorizedIPRanges name the networks that may reach it and none is 0.0.0.0/0. Mandatory in prod. Equivalent: Azure Policy 'Azure Kubernetes Service Private Clusters should be enabled' / 'Authorized IP ranges should be defined on Kubernetes Services'.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args, reportViolation) => {
        if (args.type !== "azure-native:containerservice:ManagedCluster") {
            return;
        }
        const props = args.props ?? {};
        const access = asObject(props.apiServerAccessProfile);
        if (access.enablePrivateCluster === true) {
            return;
        }
        const ranges = asArray(access.authorizedIPRanges).map(String);
        const open = ranges.filter((range) => anyAddress.has(range));
        const cluster = `ManagedCluster ${asString(props.resourceName) ?? args.name}`;
        if (ranges.length === 0 || open.length) {
            report(reportViolation, {
                message: `${cluster}: the API server is public${open.length ? ` and authorizedIPRanges admits ${open.join(", ")}` : " with no authorizedIPRanges"}, so anyone on the internet can reach it and try credentials`,
                fix: `Set cluster.privateApiServer: true (apiServerAccessProfile.enablePrivateCluster) and deploy from a runner in the cluster's network.`,
            });
        }
    },
};

const targetsRegistry = (endpoint: Plain, registryName: string, registries: number) =>
    [...asArray(endpoint.privateLinkServiceConnections), ...asArray(endpoint.manualPrivateLinkServiceConnections)].map(asObject).some((connection) => {
        const target = asString(connection.privateLinkServiceId);
        const byId = target !== undefined && target.toLowerCase().endsWith(`/registries/${registryName.toLowerCase()}`);
        // During a first preview the registry id is unknown: with one registry there is nothing to confuse.
        return asArray(connection.groupIds).includes("registry") && (byId || registries === 1);
    });

export const acrPrivateNetwork: StackPolicy = {
    name: "acr-private-network",
    description:
        "Every container registry is reachable only privately: publicNetworkAccess Disabled, the Premium SKU (the only one with private endpoints), a PrivateEndpoint for its `registry` group, and that endpoint registered in a privatelink.azurecr.io private DNS zone (a PrivateDnsZoneGroup) linked to a virtual network, so nodes resolve the registry to its private address. Advisory until the stack's network provides the endpoint subnet, then mandatory in prod. Equivalent: Azure Policy 'Container registries should use private link' / 'Public network access should be disabled for Container registries' / 'Container registries should have SKUs that support Private Links'.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        const registries = index.ofType("azure-native:containerregistry:Registry");
        const endpoints = index.ofType("azure-native:network:PrivateEndpoint");
        const zoneGroups = index.ofType("azure-native:network:PrivateDnsZoneGroup");
        const zones = index.ofType("azure-native:privatedns:PrivateZone").filter((zone) => zone.props.privateZoneName === registryPrivateDnsZone);
        const links = index.ofType("azure-native:privatedns:VirtualNetworkLink").filter((link) => link.props.privateZoneName === registryPrivateDnsZone);
        for (const { resource, props } of registries) {
            const name = asString(props.registryName) ?? resource.name;
            const problems: string[] = [];
            if (props.publicNetworkAccess !== "Disabled") {
                problems.push(`publicNetworkAccess is ${asString(props.publicNetworkAccess) ?? "Enabled (the default)"}`);
            }
            if (asObject(props.sku).name !== "Premium") {
                problems.push(`sku is ${asString(asObject(props.sku).name) ?? "unset"}, which has no private endpoints`);
            }
            const endpoint = endpoints.find((e) => targetsRegistry(e.props, name, registries.length));
            if (!endpoint) {
                problems.push("no PrivateEndpoint connects to its registry group");
            } else if (!zoneGroups.some((g) => g.props.privateEndpointName === endpoint.props.privateEndpointName && asArray(g.props.privateDnsZoneConfigs).length > 0)) {
                problems.push(`PrivateEndpoint ${asString(endpoint.props.privateEndpointName) ?? endpoint.resource.name} is in no private DNS zone group, so the registry name does not resolve to it`);
            }
            if (zones.length === 0 || links.length === 0) {
                problems.push(`no ${registryPrivateDnsZone} private DNS zone linked to a virtual network`);
            }
            if (problems.length) {
                report(reportViolation, {
                    urn: resource.urn,
                    message: `Registry ${name}: ${problems.join("; ")}, so the registry is reachable from the internet or not reachable privately`,
                    fix: `Use sku Premium and give the stack's network to ContainerRegistry (privateEndpoint): it disables public access and adds the endpoint, zone, link and zone group.`,
                });
            }
        }
    },
};

export const privateAccessPolicies = [aksApiServerAccess, acrPrivateNetwork];
