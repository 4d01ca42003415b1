// A rehearsal of the first `pulumi up`, offline: the order the engine would see in the program's
// own resource graph, and the config that would refuse a deploy that cannot finish.
import { expect } from "chai";
import { type Capture, type CapturedResource } from "../../tools/capture/capture";
import { roleAssignmentName } from "../../components/builders/azureRoles";
import { runPolicies } from "../../policies/runner";
import { placeholderKeys, refusePlaceholders } from "../../stacks/placeholders";
import { fromPulumiConfig, loadStackConfig } from "../../stacks";
import { parse } from "yaml";
import { capture, itRejectsNamingTheKey, type Json, one, stackConfig } from "../support/stacks";

/** Every URN a resource waits for: its dependencies, its provider's, and theirs (parents' too). */
function waitsFor(c: Capture, resource: CapturedResource): Set<string> {
    const byUrn = new Map(c.resources.map((r) => [r.urn, r]));
    const seen = new Set<string>();
    const queue = [...resource.dependencies, ...(resource.provider ? [resource.provider] : [])];
    while (queue.length) {
        const urn = queue.pop()!;
        if (seen.has(urn)) {
            continue;
        }
        seen.add(urn);
        const next = byUrn.get(urn);
        queue.push(...(next?.dependencies ?? []), ...(next?.provider ? [next.provider] : []));
    }
    return seen;
}

const kubernetesObjects = (c: Capture) => c.resources.filter((r) => r.custom && (r.type.startsWith("kubernetes:") || r.type === "helm.sh/v3:Release") && !r.readId);

describe("first deploy: the order (prod, from the program's resource graph)", () => {
    let c: Capture;
    before(async () => {
        c = await capture("prod");
    });

    it("peers the deployer's network both ways and links privatelink.azurecr.io to it", () => {
        const to = one(c, "azure-native:network:VirtualNetworkPeering", "deployer-to-deployer").inputs as Record<string, unknown>;
        const from = one(c, "azure-native:network:VirtualNetworkPeering", "deployer-from-deployer").inputs as Record<string, unknown>;
        expect(to).to.include({ virtualNetworkName: "ecommerce-mesh-prod", allowVirtualNetworkAccess: true });
        expect(to.remoteVirtualNetwork).to.deep.equal({ id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ecommerce-mesh-runners/providers/Microsoft.Network/virtualNetworks/runners" });
        expect(from).to.include({ resourceGroupName: "ecommerce-mesh-runners", virtualNetworkName: "runners", allowVirtualNetworkAccess: true });
        const link = one(c, "azure-native:privatedns:VirtualNetworkLink", "deployer-registry-dns").inputs as Record<string, unknown>;
        expect(link).to.include({ privateZoneName: "privatelink.azurecr.io", registrationEnabled: false });
        expect(link.virtualNetwork).to.deep.equal(to.remoteVirtualNetwork);
    });

    it("has every Kubernetes object and Helm release wait for both peerings, the registry DNS link, the admin grant in effect and the user pool", () => {
        const needed = ["deployer-to-deployer", "deployer-from-deployer", "deployer-registry-dns", "aks-deployer-admin", "aks-deployer-admin-propagated", "aks-user"].map((name) => c.resources.find((r) => r.name === name)!.urn);
        const objects = kubernetesObjects(c);
        expect(objects.length).to.be.greaterThan(50);
        for (const object of objects) {
            const waits = waitsFor(c, object);
            expect(needed.filter((urn) => !waits.has(urn)), `${object.type} ${object.name}`).to.deep.equal([]);
        }
    });

    it("exchanges the push token only once the path to the private registry and the AcrPush grant exist: the images' credentials carry them", () => {
        // The exchange is a call inside an apply, which dependsOn does not hold back; only its inputs do.
        const needed = ["deployer-to-deployer", "deployer-from-deployer", "deployer-registry-dns", "registry-endpoint", "registry-endpoint-dns", "images-acr-push"];
        const urns = needed.map((name) => c.resources.find((r) => r.name === name)?.urn);
        expect(urns.filter((urn) => !urn)).to.deep.equal([]);
        const images = c.resources.filter((r) => r.type === "docker-build:index:Image");
        expect(images.length).to.equal(8);
        for (const image of images) {
            expect(needed.filter((_, i) => !image.dependencies.includes(urns[i]!)), image.name).to.deep.equal([]);
        }
    });

    it("checks the admin grant at the API server only over the deployer's path, with the kubeconfig the provider uses, bounded to 10 minutes", () => {
        const wait = one(c, "pulumi-nodejs:dynamic:Resource", "aks-deployer-admin-propagated");
        const needed = ["deployer-to-deployer", "deployer-from-deployer", "deployer-registry-dns", "aks-deployer-admin"].map((name) => c.resources.find((r) => r.name === name)!.urn);
        expect(needed.filter((urn) => !wait.dependencies.includes(urn))).to.deep.equal([]);
        const inputs = wait.inputs as Json;
        expect(inputs.kubeconfig).to.equal((one(c, "pulumi:providers:kubernetes", "aks").inputs as Json).kubeconfig);
        expect(inputs.roleAssignmentId).to.equal(one(c, "azure-native:authorization:RoleAssignment", "aks-deployer-admin").id);
        expect(inputs).to.include({ timeoutMs: 600_000, grant: "AKS RBAC Cluster Admin on ecommerce-mesh-prod for the identity running Pulumi" });
    });

    it("has no Kubernetes object wait on something that waits on it", () => {
        for (const object of kubernetesObjects(c)) {
            for (const urn of waitsFor(c, object)) {
                const other = c.resources.find((r) => r.urn === urn)!;
                expect(waitsFor(c, other).has(object.urn), `${object.name} <-> ${other.name}`).to.equal(false);
            }
        }
    });
});

/** The value at an ignoreChanges-style path such as `agentPoolProfiles[1].count`. */
function at(value: Json, path: string): Json {
    return path.split(/\.|\[(\d+)\]/).filter((part) => part).reduce((node, key) => node?.[key], value);
}

/**
 * What a second `pulumi up --refresh` sends for one input: refresh has copied Azure's value into
 * the state's inputs (pulumi/pulumi-azure-native#280); ignoreChanges keeps it, else the program's wins.
 */
const secondRunSends = (resource: CapturedResource, path: string, refreshed: unknown) => (resource.ignoreChanges.includes(path) ? refreshed : at(resource.inputs, path));

describe("first deploy: the second run (prod) does not fight what Azure changed by itself", () => {
    let c: Capture;
    before(async () => {
        c = await capture("prod");
    });

    // The first run's outputs as Azure leaves them: the autoscaler grew the user pool from 3 to 9,
    // and storage autogrow took the server from 128 to 256 GiB.
    const azureChanged = [
        { type: "azure-native:containerservice:AgentPool", name: "aks-user", path: "count", first: 3, now: 9 },
        { type: "azure-native:dbforpostgresql:Server", name: "database", path: "storage.storageSizeGB", first: 128, now: 256 },
    ];
    for (const change of azureChanged) {
        it(`sends ${change.name}'s ${change.path} back as Azure has it (${change.now}), not the first run's ${change.first}`, () => {
            const resource = one(c, change.type, change.name);
            expect(at(resource.inputs, change.path)).to.equal(change.first);
            expect(secondRunSends(resource, change.path, change.now)).to.equal(change.now);
        });
    }

    it("keeps what only the program decides: the system pool's count and the user pool's bounds", () => {
        const aks = one(c, "azure-native:containerservice:ManagedCluster", "aks");
        const user = one(c, "azure-native:containerservice:AgentPool", "aks-user");
        const decided: [CapturedResource, string][] = [[aks, "agentPoolProfiles[0].count"], [user, "minCount"], [user, "maxCount"], [user, "vmSize"]];
        for (const [resource, path] of decided) {
            expect(secondRunSends(resource, path, -1), `${resource.name} ${path}`).to.equal(at(resource.inputs, path));
        }
    });

    it("moves the user pool to a new Kubernetes minor with the cluster: its orchestratorVersion is the cluster's, applied after it", async () => {
        const bumped = await capture("prod", "cluster.kubernetesVersion=1.37");
        const aks = one(bumped, "azure-native:containerservice:ManagedCluster", "aks");
        const user = one(bumped, "azure-native:containerservice:AgentPool", "aks-user");
        expect((aks.inputs as Json).kubernetesVersion).to.equal("1.37");
        expect([(aks.inputs as Json).agentPoolProfiles[0].orchestratorVersion, (user.inputs as Json).orchestratorVersion]).to.deep.equal(["1.37", "1.37"]);
        expect(user.dependencies).to.include(aks.urn);
    });

    it("leaves the autoscaled pool out of the cluster's own PUT, so a cluster edit never sends a pool count (only the system pool is inline)", () => {
        const aks = one(c, "azure-native:containerservice:ManagedCluster", "aks");
        expect((aks.inputs as Json).agentPoolProfiles.map((pool: Json) => [pool.name, pool.enableAutoScaling ?? false])).to.deep.equal([["system", false]]);
        expect(aks.ignoreChanges).to.deep.equal([]);
    });

    it("protects the database server and the registry in prod, not in dev", async () => {
        const protectedIn = (capture: Capture) => capture.resources.filter((r) => r.protect).map((r) => `${r.type} ${r.name}`);
        expect(protectedIn(c)).to.deep.equal(["azure-native:containerregistry:Registry registry", "azure-native:dbforpostgresql:Server database"]);
        expect(protectedIn(await capture("dev"))).to.deep.equal([]);
    });

    it("locks the registry and the database server against deletes from anywhere (CanNotDelete) in prod", () => {
        const locks = c.resources.filter((r) => r.type === "azure-native:authorization:ManagementLockByScope");
        const scopes = locks.map((lock) => (lock.inputs as Json).scope);
        expect(scopes).to.deep.equal([one(c, "azure-native:containerregistry:Registry", "registry").id, one(c, "azure-native:dbforpostgresql:Server", "database").id]);
        expect(locks.every((lock) => (lock.inputs as Json).level === "CanNotDelete")).to.equal(true);
    });
});

describe("first deploy: a CI login that outlives the run", () => {
    const execArgs = (c: Capture) => (parse((one(c, "pulumi:providers:kubernetes", "aks").inputs as { kubeconfig: string }).kubeconfig) as Json).users[0].user.exec.args;

    it("signs people in through the Azure CLI session by default, as kubelogin convert-kubeconfig -l azurecli writes it", async () => {
        expect(execArgs(await capture("prod"))).to.deep.equal(["get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"]);
    });

    it("signs CI in with the federated token (workloadidentity), without AKS's devicecode client id, so AZURE_CLIENT_ID is the one used", async () => {
        expect(execArgs(await capture("prod", "cluster.kubeloginMode=workloadidentity"))).to.deep.equal(["get-token", "--login", "workloadidentity", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"]);
    });
});

describe("first deploy: the config refuses what cannot finish", () => {
    itRejectsNamingTheKey([
        { set: ["deployer={}"], line: /^ecommerce-mesh:deployer\.network: is required with cluster\.privateApiServer and registry\.privateEndpoint/ },
        { set: ["deployer.network.addressSpace=[\"10.20.128.0/24\"]"], line: `ecommerce-mesh:deployer.network.addressSpace.0: "10.20.128.0/24" overlaps the stack's VNet (10.20.0.0/16): Azure peers only disjoint address spaces` },
        { set: ["deployer.network.addressSpace=[\"10.0.0.0/8\"]"], line: /^ecommerce-mesh:deployer\.network\.addressSpace\.0: "10\.0\.0\.0\/8" overlaps the stack's VNet/ },
        { set: ["deployer.network.addressSpace=[\"10.244.1.0/24\"]"], line: /overlaps the pod CIDR \(10\.244\.0\.0\/16\)/ },
        { set: ["deployer.network.virtualNetworkId=runners"], line: /^ecommerce-mesh:deployer\.network\.virtualNetworkId: .*is not a virtual network resource id/ },
        { set: ["cluster.logRetentionDays=7"], line: "ecommerce-mesh:cluster.logRetentionDays: 7 is not an integer from 30 to 730" },
        { set: ["cluster.kubeloginMode=devicecode"], line: 'ecommerce-mesh:cluster.kubeloginMode: "devicecode" is not one of azurecli, workloadidentity' },
        { set: ["cluster.adminGroupObjectIds=[]"], line: /^ecommerce-mesh:cluster\.adminGroupObjectIds: .*is required in prod/ },
    ]);

    it("lists the shipped example values (tenant, runner network, admin group, the shop's example.com name), naming each key", () => {
        const config = loadStackConfig(fromPulumiConfig(stackConfig("prod").values));
        expect(placeholderKeys(config).map((found) => found.key)).to.deep.equal([
            "auth.issuer",
            "auth.jwksUri",
            "deployer.network.virtualNetworkId",
            "cluster.adminGroupObjectIds.0",
            "edge.domain",
            "edge.certificates.email",
            "edge.certificates.azureDns.zoneName",
        ]);
    });

    it("refuses the example ids under a real engine, one line per key, and lets an offline render through", () => {
        const config = loadStackConfig(fromPulumiConfig(stackConfig("prod").values));
        expect(() => refusePlaceholders(config, false)).to.not.throw();
        expect(() => refusePlaceholders(config, true)).to.throw(
            /\n {2}ecommerce-mesh:deployer\.network\.virtualNetworkId: .* is an example value .*network your deploy job runs in.*\n {2}ecommerce-mesh:cluster\.adminGroupObjectIds\.0: .*Entra ID group/,
        );
    });

    it("creates no deployer path for dev, whose API server and registry are public", async () => {
        const dev = await capture("dev");
        expect(dev.resources.filter((r) => r.type === "azure-native:network:VirtualNetworkPeering")).to.deep.equal([]);
    });
});

describe("first deploy: prod as an operator would run it", () => {
    it("runs prod's cluster on the Standard tier (the API server's uptime SLA), and aks-standard-tier blocks Free in prod", async () => {
        const prod = await capture("prod");
        expect((one(prod, "azure-native:containerservice:ManagedCluster", "aks").inputs as Json).sku).to.deep.equal({ name: "Base", tier: "Standard" });
        const free = await capture("prod", "cluster.tier=Free");
        const found = runPolicies(free.resources, { environment: "prod", only: ["aks-standard-tier"] });
        expect(found.map((v) => `${v.enforcementLevel} ${v.message}`)).to.deep.equal(["mandatory ManagedCluster ecommerce-mesh-prod: sku.tier is Free, which has no uptime SLA for the API server"]);
    });
});

describe("first deploy: the cluster's own identity", () => {
    it("runs the control plane as a user-assigned identity whose Network Contributor grant on the node subnet exists before the cluster", async () => {
        const prod = await capture("prod");
        const identity = one(prod, "azure-native:managedidentity:UserAssignedIdentity", "aks-control-plane");
        const cluster = one(prod, "azure-native:containerservice:ManagedCluster", "aks");
        expect((cluster.inputs as Json).identity).to.deep.equal({ type: "UserAssigned", userAssignedIdentities: [identity.id] });
        const grant = one(prod, "azure-native:authorization:RoleAssignment", "aks-subnet-network-contributor");
        expect((grant.inputs as Json).roleDefinitionId).to.match(/\/roleDefinitions\/4d97b98b-1d4f-4787-a291-c67834d212e7$/);
        expect(grant.dependencies).to.include(identity.urn);
        expect(cluster.dependencies).to.include(grant.urn);
    });
});

describe("first deploy: role assignments named by what they grant", () => {
    it("names every assignment a GUID derived from scope, role and principal, the same on every run", async () => {
        const names = (c: Capture) => c.resources.filter((r) => r.type === "azure-native:authorization:RoleAssignment").map((r) => [r.name, (r.inputs as Json).roleAssignmentName]);
        const first = names(await capture("prod"));
        expect(first.map(([name]) => name).sort()).to.deep.equal(["aks-acr-pull", "aks-deployer-admin", "aks-subnet-network-contributor", "cert-manager-dns", "images-acr-push"]);
        for (const [name, guid] of first) {
            expect(guid, name).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        }
        expect(new Set(first.map(([, guid]) => guid)).size).to.equal(first.length);
        expect(names(await capture("prod"))).to.deep.equal(first);
    });

    it("deletes an assignment before creating its replacement: Azure refuses a second one of the same principal, role and scope (409 RoleAssignmentExists)", async () => {
        const assignments = (await capture("prod")).resources.filter((r) => r.type === "azure-native:authorization:RoleAssignment");
        expect(assignments.length).to.be.greaterThan(0);
        expect(assignments.filter((r) => !r.deleteBeforeReplace).map((r) => r.name)).to.deep.equal([]);
    });

    it("gives another principal on the same scope and role another name", () => {
        const scope = "/subscriptions/x/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/c";
        expect(roleAssignmentName(scope, "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b", "a")).to.not.equal(roleAssignmentName(scope, "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b", "b"));
        expect(roleAssignmentName(scope, "r", "a")).to.equal(roleAssignmentName(scope.toUpperCase(), "r", "A"));
    });
});

describe("first deploy: evidence after an incident", () => {
    it("sends prod's AKS audit and guard logs and the Flexible Server's logs to a workspace kept cluster.logRetentionDays", async () => {
        const prod = await capture("prod");
        const workspace = one(prod, "azure-native:operationalinsights:Workspace", "diagnostics");
        expect(workspace.inputs).to.include({ retentionInDays: 90 });
        const setting = (key: string) => one(prod, "azure-native:monitor:DiagnosticSetting", `diagnostics-${key}`).inputs as Json;
        expect(setting("aks")).to.deep.include({ resourceUri: one(prod, "azure-native:containerservice:ManagedCluster", "aks").id, workspaceId: workspace.id });
        expect(setting("aks").logs).to.deep.equal([{ category: "kube-audit-admin", enabled: true }, { category: "guard", enabled: true }]);
        expect(setting("postgres")).to.deep.include({ resourceUri: one(prod, "azure-native:dbforpostgresql:Server", "database").id, logs: [{ category: "PostgreSQLLogs", enabled: true }] });
    });

    it("keeps no workspace where cluster.logRetentionDays is unset (dev)", async () => {
        expect((await capture("dev")).resources.filter((r) => r.type.startsWith("azure-native:operationalinsights"))).to.deep.equal([]);
    });
});
