import * as path from "node:path";
import { expect } from "chai";
import { type Capture, captureStack } from "../../tools/capture/capture";
import { capture, type Json, ofKind, one, project, projectDir } from "../support/stacks";

const inputs = (r: { inputs: unknown }): Json => r.inputs;

describe("the platform's doors", () => {
    it("puts the prod API server on a private endpoint only; dev keeps the public one", async () => {
        const prod = inputs(one(await capture("prod"), "azure-native:containerservice:ManagedCluster", "aks"));
        expect(prod.apiServerAccessProfile).to.deep.equal({ enablePrivateCluster: true, enablePrivateClusterPublicFQDN: true, privateDNSZone: "system" });
        const dev = inputs(one(await capture("dev"), "azure-native:containerservice:ManagedCluster", "aks"));
        expect(dev).to.not.have.property("apiServerAccessProfile");
    });

    describe("a registry given a private endpoint subnet", () => {
        const subnetId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ecommerce-mesh-prod/providers/Microsoft.Network/virtualNetworks/ecommerce/subnets/private-endpoints";
        const vnetId = subnetId.replace(/\/subnets\/.*$/, "");
        let c: Capture;
        before(async () => {
            const entry = path.join(projectDir, "test", "fixtures", "privateRegistry.ts");
            c = await captureStack({ projectDir, project, stack: "prod", entry, config: { values: {}, secretKeys: [] } });
        });

        it("turns public network access off, keeping trusted Azure services", () => {
            const registry = inputs(one(c, "azure-native:containerregistry:Registry", "registry"));
            expect(registry).to.include({ publicNetworkAccess: "Disabled", networkRuleBypassOptions: "AzureServices", adminUserEnabled: false });
            expect(registry.sku).to.deep.equal({ name: "Premium" });
        });

        it("places an endpoint for the registry group in the subnet", () => {
            const registry = one(c, "azure-native:containerregistry:Registry", "registry");
            const endpoint = inputs(one(c, "azure-native:network:PrivateEndpoint", "registry-endpoint"));
            expect(endpoint.subnet).to.include({ id: subnetId });
            expect(endpoint.privateEndpointName).to.equal("ecommercemeshprod-registry");
            expect(endpoint.privateLinkServiceConnections).to.deep.equal([{ name: "registry", privateLinkServiceId: registry.id, groupIds: ["registry"] }]);
        });

        it("resolves the registry to it through privatelink.azurecr.io, linked to the network", () => {
            const zone = one(c, "azure-native:privatedns:PrivateZone", "registry-dns");
            expect(inputs(zone)).to.include({ privateZoneName: "privatelink.azurecr.io", location: "global" });
            const link = inputs(one(c, "azure-native:privatedns:VirtualNetworkLink", "registry-dns-link-0"));
            expect(link).to.include({ privateZoneName: "privatelink.azurecr.io", registrationEnabled: false });
            expect(link.virtualNetwork).to.deep.equal({ id: vnetId });
            const group = inputs(one(c, "azure-native:network:PrivateDnsZoneGroup", "registry-endpoint-dns"));
            expect(group.privateEndpointName).to.equal("ecommercemeshprod-registry");
            expect(group.privateDnsZoneConfigs).to.deep.equal([{ name: "privatelink-azurecr-io", privateDnsZoneId: zone.id }]);
        });
    });

    describe("the shipped prod registry (registry.privateEndpoint: true)", () => {
        let c: Capture;
        before(async () => {
            c = await capture("prod");
        });

        it("turns public access off and places the endpoint in the network's privateEndpoints subnet", () => {
            expect(inputs(one(c, "azure-native:containerregistry:Registry", "registry"))).to.include({ publicNetworkAccess: "Disabled" });
            const subnet = one(c, "azure-native:network:Subnet", "network-privateEndpoints");
            expect(inputs(subnet)).to.include({ subnetName: "privateEndpoints", addressPrefix: "10.20.17.0/24" });
            expect(inputs(one(c, "azure-native:network:PrivateEndpoint", "registry-endpoint")).subnet.id).to.equal(subnet.id);
        });

        it("links the privatelink zone to the stack's VNet", () => {
            const vnet = one(c, "azure-native:network:VirtualNetwork", "network");
            expect(inputs(one(c, "azure-native:privatedns:VirtualNetworkLink", "registry-dns-link-0")).virtualNetwork).to.deep.equal({ id: vnet.id });
        });

        it("keeps dev's registry public (Basic has no private endpoints)", async () => {
            const dev = await capture("dev");
            expect(ofKind(dev, "azure-native:network:PrivateEndpoint")).to.deep.equal([]);
        });

        it("rejects registry.privateEndpoint without Premium, naming the key", async () => {
            const message = await capture("dev", "registry.privateEndpoint=true").then(() => "no error", (error: Error) => error.message);
            expect(message).to.contain("ecommerce-mesh:registry.privateEndpoint: true needs registry.sku Premium (Basic has no private endpoints)");
        });
    });
});
