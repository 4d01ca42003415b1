// deployer.*: the network the deploy job runs in, which the program peers with the stack's VNet
// so a private API server and a private registry are reachable in the same `pulumi up`.
import { z } from "zod";
import { addressPlan } from "../components/builders/addressPlan";
import { overlaps, parseCidr } from "../components/builders/cidr";

/** An Azure VNet resource id, with the parts the reverse peering is created from. */
export const virtualNetworkIdPattern = /^\/subscriptions\/([0-9a-f-]{36})\/resourceGroups\/([-\w.()]{1,90})\/providers\/Microsoft\.Network\/virtualNetworks\/([-\w.]{2,64})$/i;

export function parseVirtualNetworkId(id: string): { subscriptionId: string; resourceGroupName: string; name: string } {
    const [, subscriptionId, resourceGroupName, name] = virtualNetworkIdPattern.exec(id) ?? [];
    if (!name) {
        throw new Error(`${id} is not a virtual network resource id`);
    }
    return { subscriptionId, resourceGroupName, name };
}

const isCidr = (text: string) => {
    try {
        parseCidr(text);
        return true;
    } catch {
        return false;
    }
};

const idText = "is not a virtual network resource id (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<name>)";
const cidrText = "is not an IPv4 CIDR such as 10.30.0.0/24";

export const deployerSchema = z
    .strictObject({
        network: z
            .strictObject({
                virtualNetworkId: z.string({ error: idText }).regex(virtualNetworkIdPattern, { error: idText }),
                // Peering needs disjoint ranges: Azure refuses to peer overlapping address spaces.
                addressSpace: z
                    .array(z.string({ error: cidrText }).refine(isCidr, { error: cidrText }), { error: "is not a list of CIDRs" })
                    .min(1, { error: "needs the deployer network's address prefixes" }),
            })
            .optional(),
    })
    .prefault({});

/** The stack's own ranges a peered network must not overlap (components/builders/addressPlan.ts). */
export const stackRanges = { "the stack's VNet": addressPlan.vnet, "the pod CIDR": addressPlan.aks.podCidr, "the service CIDR": addressPlan.aks.serviceCidr };

interface DeployerView {
    deployer: z.infer<typeof deployerSchema>;
    environment: string;
    cluster: { provider: string; privateApiServer: boolean; adminGroupObjectIds: string[] };
    registry: { privateEndpoint: boolean };
}

export function deployerIssues(config: DeployerView): { path: string[]; input: unknown; message: string }[] {
    const network = config.deployer.network;
    const issues: { path: string[]; input: unknown; message: string }[] = [];
    const privateParts = [config.cluster.privateApiServer ? "cluster.privateApiServer" : "", config.registry.privateEndpoint ? "registry.privateEndpoint" : ""].filter(Boolean);
    if (!network && config.cluster.provider === "aks" && privateParts.length) {
        issues.push({
            path: ["deployer", "network"],
            input: undefined,
            message: `is required with ${privateParts.join(" and ")}: the deploy job reaches the private endpoints only from a network peered with the stack's (docs/first-deploy.md)`,
        });
    }
    // Without a group, the only admin is whoever ran Pulumi last, and a person's run and CI's run
    // replace each other's grant.
    if (config.environment === "prod" && config.cluster.provider === "aks" && config.cluster.adminGroupObjectIds.length === 0) {
        issues.push({ path: ["cluster", "adminGroupObjectIds"], input: [], message: "is required in prod: the Entra ID groups that administer the cluster (CI's service principal is a member of one)" });
    }
    network?.addressSpace.forEach((cidr, i) => {
        const clash = isCidr(cidr) ? Object.entries(stackRanges).find(([, range]) => overlaps(cidr, range)) : undefined;
        if (clash) {
            issues.push({ path: ["deployer", "network", "addressSpace", String(i)], input: cidr, message: `overlaps ${clash[0]} (${clash[1]}): Azure peers only disjoint address spaces` });
        }
    });
    return issues;
}
