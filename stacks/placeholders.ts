// The shipped stack files carry example ids where only the user knows the value: the tenant in
// auth.issuer and auth.jwksUri (every token would be rejected), the deploy job's network (a
// peering to nothing), the admin group (nobody admin), and the shop's name under example.com
// (Let's Encrypt refuses it, and nobody's DNS zone holds it). Offline runs (npm run check, render,
// tests: Pulumi's mocks, no engine) keep them checkable and the advisories auth-placeholder and
// azure-no-example-ids list them; a run with a real engine (pulumi preview / up) refuses them
// before touching Azure, one line per key.
import { exampleGuid, isExampleId } from "../policies/lib/exampleIds";
import { StackConfigError } from "./load";
import type { StackConfig } from "./schema";

/** The tenant id the shipped examples use; no Entra tenant has it. */
export const placeholderTenant = exampleGuid;

export interface Placeholder {
    /** The stack key, as `pulumi config set --path` takes it. */
    readonly key: string;
    readonly value: string;
    /** What to set instead. */
    readonly fix: string;
}

/** RFC 2606 names, reserved for documentation: no registrar sells them and ACME CAs refuse them. */
export const isExampleDomain = (name: string | undefined): boolean => name !== undefined && /(^|\.)example(\.(com|net|org))?$/.test(name.toLowerCase());

type PlaceholderView = Pick<StackConfig, "auth"> & {
    edge?: { domain?: string; certificates: { email?: string; azureDns?: { zoneName: string } } };
    cluster?: { adminGroupObjectIds: readonly string[] };
    deployer?: { network?: { virtualNetworkId: string } };
};

/** The config keys that still hold an example id, with their values, in the stack file's order. */
export function placeholderKeys(config: PlaceholderView): Placeholder[] {
    const found: Placeholder[] = [];
    for (const field of ["issuer", "jwksUri"] as const) {
        const value = config.auth[field];
        if (isExampleId(value)) found.push({ key: `auth.${field}`, value: value!, fix: "your identity provider's value (docs/first-deploy.md)" });
    }
    const network = config.deployer?.network;
    if (network && isExampleId(network.virtualNetworkId)) {
        found.push({ key: "deployer.network.virtualNetworkId", value: network.virtualNetworkId, fix: "the resource id of the network your deploy job runs in" });
    }
    config.cluster?.adminGroupObjectIds.forEach((id, i) => {
        if (isExampleId(id)) found.push({ key: `cluster.adminGroupObjectIds.${i}`, value: id, fix: "the object id of the Entra ID group that administers the cluster" });
    });
    const edge = config.edge;
    if (edge && isExampleDomain(edge.domain)) found.push({ key: "edge.domain", value: edge.domain!, fix: "the shop's own name" });
    if (edge && isExampleDomain(edge.certificates.email?.split("@")[1])) found.push({ key: "edge.certificates.email", value: edge.certificates.email!, fix: "an address that reads the CA's expiry notices" });
    if (edge && isExampleDomain(edge.certificates.azureDns?.zoneName)) found.push({ key: "edge.certificates.azureDns.zoneName", value: edge.certificates.azureDns!.zoneName, fix: "the Azure DNS zone that holds edge.domain" });
    return found;
}

/** Throws when a real engine deploys a stack that still holds example ids (engineAttached: pulumi.runtime.hasEngine()). */
export function refusePlaceholders(config: PlaceholderView, engineAttached: boolean): void {
    const found = placeholderKeys(config);
    if (!engineAttached || found.length === 0) return;
    throw new StackConfigError(
        found.map(({ key, value, fix }) => `ecommerce-mesh:${key}: ${value} is an example value of the shipped stack file; set ${fix}, e.g. pulumi config set --path ${key} <value>`),
    );
}
