import * as path from "node:path";
import { expect } from "chai";
import { type CapturedResource, captureStack } from "../../tools/capture/capture";
import { capture, find, project, projectDir, summary, violationsOf, withoutResource } from "./support";

/** The ContainerRegistry given a (fake) private endpoint subnet, as the stack's network will give it. */
async function privateRegistry(sku = "Premium"): Promise<CapturedResource[]> {
    const entry = path.join(projectDir, "test", "fixtures", "privateRegistry.ts");
    return (await captureStack({ projectDir, project, stack: "prod", entry, config: { values: { "fixture:sku": sku }, secretKeys: [] } })).resources;
}

describe("policies: the platform's doors", () => {
    describe("aks-api-server-access", () => {
        it("passes prod: a private cluster", async () => {
            expect(violationsOf("aks-api-server-access", await capture("prod"))).to.deep.equal([]);
        });

        it("blocks prod with a public API server, advises in dev", async () => {
            const found = violationsOf("aks-api-server-access", await capture("prod", "cluster.privateApiServer=false"));
            expect(found.map((v) => [v.resource?.name, v.enforcementLevel, v.message])).to.deep.equal([
                ["aks", "mandatory", "ManagedCluster ecommerce-mesh-prod: the API server is public with no authorizedIPRanges, so anyone on the internet can reach it and try credentials"],
            ]);
            expect(violationsOf("aks-api-server-access", await capture("dev"), "dev").map((v) => v.enforcementLevel)).to.deep.equal(["advisory"]);
        });

        it("accepts a public API server behind named ranges, never behind 0.0.0.0/0", async () => {
            const dev = await capture("dev");
            const cluster = find(dev, "ManagedCluster", "aks").inputs;
            cluster.apiServerAccessProfile = { authorizedIPRanges: ["203.0.113.0/28"] };
            expect(violationsOf("aks-api-server-access", dev)).to.deep.equal([]);
            cluster.apiServerAccessProfile = { authorizedIPRanges: ["203.0.113.0/28", "0.0.0.0/0"] };
            expect(summary(violationsOf("aks-api-server-access", dev))).to.deep.equal([
                "aks: ManagedCluster ecommerce-mesh-dev: the API server is public and authorizedIPRanges admits 0.0.0.0/0, so anyone on the internet can reach it and try credentials",
            ]);
        });
    });

    describe("acr-private-network", () => {
        it("passes a Premium registry with public access off, a private endpoint and its privatelink zone", async () => {
            expect(violationsOf("acr-private-network", await privateRegistry())).to.deep.equal([]);
        });

        it("passes the shipped prod registry (registry.privateEndpoint in the stack's network)", async () => {
            expect(violationsOf("acr-private-network", await capture("prod"))).to.deep.equal([]);
        });

        it("blocks prod with registry.privateEndpoint off", async () => {
            const found = violationsOf("acr-private-network", await capture("prod", "registry.privateEndpoint=false"));
            expect(found.map((v) => [v.enforcementLevel, v.message])).to.deep.equal([
                [
                    "mandatory",
                    "Registry ecommercemeshprod: publicNetworkAccess is Enabled; no PrivateEndpoint connects to its registry group; no privatelink.azurecr.io private DNS zone linked to a virtual network, so the registry is reachable from the internet or not reachable privately",
                ],
            ]);
        });

        it("flags an endpoint whose name is in no DNS zone group, and public access turned back on", async () => {
            const resources = withoutResource(await privateRegistry(), "PrivateDnsZoneGroup", "registry-endpoint-dns");
            find(resources, "containerregistry:Registry", "registry").inputs.publicNetworkAccess = "Enabled";
            expect(violationsOf("acr-private-network", resources).map((v) => v.message)).to.deep.equal([
                "Registry ecommercemeshprod: publicNetworkAccess is Enabled; PrivateEndpoint ecommercemeshprod-registry is in no private DNS zone group, so the registry name does not resolve to it, so the registry is reachable from the internet or not reachable privately",
            ]);
        });

        it("refuses a private endpoint on a SKU that has none", async () => {
            const error = await privateRegistry("Standard").then(() => undefined, (e: Error) => e.message);
            expect(error).to.contain("ecommerce-mesh:registry.sku: Standard has no private endpoints; a private registry needs Premium");
        });
    });
});
