// docs/first-deploy.md, claim by claim: its commands run against the shipped prod stack, and every
// key, range, label, role, policy and file it names is the program's own.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { addressPlan } from "../../components/builders/addressPlan";
import { builtInRoles } from "../../components/builders/azureRoles";
import { allPolicies } from "../../policies/policies";
import { fromPulumiConfig, loadStackConfig } from "../../stacks";
import { placeholderKeys } from "../../stacks/placeholders";
import { setConfigPath } from "../../tools/capture/stackFile";
import { schemaKeys } from "../support/schemaKeys";
import { capture, type Json, one, project, projectDir, stackConfig } from "../support/stacks";

const doc = readFileSync(path.join(projectDir, "docs", "first-deploy.md"), "utf8");
const deployWorkflow = readFileSync(path.join(projectDir, ".github", "workflows", "deploy.yml"), "utf8");
const shellLines = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap(([, block]) => block.trim().split("\n"));
const guid = "6f1c2a4e-8d3b-4c5a-9e7f-1a2b3c4d5e6f";

/** The doc's `pulumi config set --path` lines on the prod stack, placeholders filled with real-looking ids and names. */
function configSets(): { key: string; value: string }[] {
    return shellLines
        .filter((line) => line.startsWith("pulumi config set"))
        .map((line) => {
            const match = /^pulumi config set --path '?([\w.[\]]+)'? (\S+) -s prod$/.exec(line);
            expect(match, line).to.not.equal(null);
            return { key: match![1], value: match![2].replace(/<[a-z-]*id>/g, guid).replace(/<domain>/g, "contoso.com").replace(/<[a-z-]+>/g, "contoso") };
        });
}

describe("docs/first-deploy.md", () => {
    it("sets only schema keys, and its steps turn the shipped prod stack into one a real pulumi up accepts", () => {
        const keys = schemaKeys();
        const config = stackConfig("prod");
        for (const { key, value } of configSets()) {
            const leaf = key.replace(/\[0\]$/, "");
            expect(keys, key).to.include(leaf);
            // `a[0] v` as the CLI takes it: the list holds v (each list in the doc has one entry).
            setConfigPath(config, project, key.endsWith("[0]") ? `${leaf}=${JSON.stringify([value])}` : `${key}=${value}`);
        }
        const loaded = loadStackConfig(fromPulumiConfig(config.values));
        expect(placeholderKeys(loaded)).to.deep.equal([]);
        expect(loaded.deployer.network).to.deep.equal({
            virtualNetworkId: `/subscriptions/${guid}/resourceGroups/ecommerce-mesh-runners/providers/Microsoft.Network/virtualNetworks/runners`,
            addressSpace: ["10.30.0.0/24"],
        });
    });

    it("creates the runner's network with the group, name and prefix the config then names", () => {
        const vnet = shellLines.find((line) => line.startsWith("az network vnet create"))!;
        const value = (key: string) => configSets().find((set) => set.key === key)!.value;
        const [id, prefix] = [value("deployer.network.virtualNetworkId"), value("deployer.network.addressSpace[0]")];
        expect(vnet).to.contain(" -g ecommerce-mesh-runners -n runners ").and.contain(`--address-prefixes ${prefix} `);
        expect(id).to.match(/\/resourceGroups\/ecommerce-mesh-runners\/.*\/virtualNetworks\/runners$/);
    });

    it("names only config keys the schema has", () => {
        const named = [...doc.matchAll(/`((?:cluster|registry|images|deployer)\.[\w.]+)(?::[^`]*)?`/g)].map(([, key]) => key);
        expect(named.length).to.be.greaterThan(5);
        expect(named.filter((key) => !schemaKeys().includes(key))).to.deep.equal([]);
    });

    it("gives the stack's own ranges as the ones the runner's network must avoid", () => {
        for (const range of [addressPlan.vnet, addressPlan.aks.podCidr, addressPlan.aks.serviceCidr]) {
            expect(doc).to.contain(`\`${range}\``);
        }
    });

    it("names the runner label, the per-job config and the refresh that deploy.yml uses", () => {
        expect(deployWorkflow).to.match(/runs-on: \[self-hosted, linux, ecommerce-mesh-prod\]/);
        expect(doc).to.contain("`ecommerce-mesh-prod`");
        expect(deployWorkflow).to.contain("pulumi config set --path cluster.kubeloginMode workloadidentity --stack prod");
        expect(deployWorkflow).to.contain("pulumi config set --path cluster.deployerPrincipalType ServicePrincipal --stack prod");
        expect(deployWorkflow).to.contain("refresh: true");
    });

    it("names the roles the program grants, and policies and files that exist", () => {
        const granted = { AcrPull: builtInRoles.acrPull, AcrPush: builtInRoles.acrPush, "Network\nContributor": builtInRoles.networkContributor, "AKS RBAC Cluster Admin": builtInRoles.aksRbacClusterAdmin };
        for (const [role, id] of Object.entries(granted)) {
            expect(doc, role).to.contain(role);
            expect(id).to.match(/^[0-9a-f-]{36}$/);
        }
        const policies = [...doc.matchAll(/polic(?:y|ies)\s+`([a-z0-9-]+)`(?:\s+and\s+`([a-z0-9-]+)`)?/g)].flatMap(([, first, second]) => (second ? [first, second] : [first]));
        expect(policies).to.include.members(["auth-placeholder", "azure-no-example-ids"]);
        for (const policy of policies) {
            expect(allPolicies.map((p) => p.name)).to.include(policy);
        }
        for (const [, file] of doc.matchAll(/`((?:components|test|\.github)\/[\w./-]+\.(?:ts|yml))`/g)) {
            expect(existsSync(path.join(projectDir, file)), file).to.equal(true);
        }
    });

    it("adopts an inline-era user pool with the type, name, id and parent the program registers it under", async () => {
        const line = shellLines.find((l) => l.startsWith("pulumi import"))!;
        const [, type, name, id, parent] = /^pulumi import (\S+) (\S+) (\S+) --parent aks=(\S+) --protect=false -s prod$/.exec(line)!;
        const pool = one(await capture("prod"), type, name);
        const inputs = pool.inputs as Json;
        expect(id).to.equal(`/subscriptions/<subscription-id>/resourceGroups/${inputs.resourceGroupName}/providers/Microsoft.ContainerService/managedClusters/${inputs.resourceName}/agentPools/${inputs.agentPoolName}`);
        expect(pool.urn).to.equal(`${parent.replace(/::aks$/, "")}$${type}::${name}`);
    });
});
