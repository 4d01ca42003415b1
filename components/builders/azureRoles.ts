// Built-in Azure roles the program grants, and the one way to name their definitions and assignments.
import { createHash } from "node:crypto";
import * as authorization from "@pulumi/azure-native/authorization";
import * as pulumi from "@pulumi/pulumi";

/** Built-in role definition ids: the same in every tenant. */
export const builtInRoles = {
    acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    acrPush: "8311e382-0749-4cb8-b61a-304f252e45ec",
    aksRbacClusterAdmin: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
    networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
    /** Writes cert-manager's _acme-challenge TXT record, granted on the one zone only. */
    dnsZoneContributor: "befefa01-2a29-4197-83a8-272ff33ce314",
};

/** The subscription-scoped resource id of a built-in role definition. */
export function roleDefinitionId(roleId: string): pulumi.Output<string> {
    return authorization
        .getClientConfigOutput()
        .subscriptionId.apply((subscription) => `/subscriptions/${subscription}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`);
}

/**
 * The assignment's name (a GUID) from what it grants: a name-based, version-5-style UUID of scope,
 * role and principal. A re-run after a half-finished create PUTs the same assignment again instead
 * of a second one Azure refuses (RoleAssignmentExists); Azure's own role assignment names must be GUIDs.
 */
export function roleAssignmentName(scope: string, roleId: string, principalId: string): string {
    const hash = createHash("sha1").update(`${scope.toLowerCase()}|${roleId}|${principalId.toLowerCase()}`).digest();
    hash[6] = (hash[6] & 0x0f) | 0x50;
    hash[8] = (hash[8] & 0x3f) | 0x80;
    const hex = hash.subarray(0, 16).toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface RoleArgs {
    scope: pulumi.Input<string>;
    roleId: string;
    principalId: pulumi.Input<string>;
    principalType: "User" | "ServicePrincipal";
}

/** A built-in role for a principal on a scope, under its deterministic name. */
export function assignRole(name: string, args: RoleArgs, opts: pulumi.CustomResourceOptions): authorization.RoleAssignment {
    return new authorization.RoleAssignment(
        name,
        {
            roleAssignmentName: pulumi.all([args.scope, args.principalId]).apply(([scope, principal]) => roleAssignmentName(scope, args.roleId, principal)),
            scope: args.scope,
            principalId: args.principalId,
            principalType: args.principalType,
            roleDefinitionId: roleDefinitionId(args.roleId),
        },
        // A name change replaces the assignment (pulumi-azure-native marks roleAssignmentName
        // force-new), and Azure refuses a second assignment of the same principal, role and scope
        // (409 RoleAssignmentExists): the old one must go first. This is what stacks made before the
        // names were derived see once; the grant is absent for the seconds between delete and create.
        { ...opts, deleteBeforeReplace: true },
    );
}

export interface DeployerRoleArgs {
    /** Resource id the role applies to. */
    scope: pulumi.Input<string>;
    roleId: string;
    /** What kind of identity runs Pulumi: Azure checks it against the principal. */
    principalType: "User" | "ServicePrincipal";
}

/** Grants the identity running Pulumi a built-in role, so later steps of the same run can act. */
export function grantDeployer(name: string, args: DeployerRoleArgs, opts: pulumi.CustomResourceOptions): authorization.RoleAssignment {
    return assignRole(name, { ...args, principalId: authorization.getClientConfigOutput().objectId }, opts);
}
