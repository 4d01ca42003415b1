// Built-in Azure roles the program grants, and the one way to name their definitions.
import * as authorization from "@pulumi/azure-native/authorization";
import type * as pulumi from "@pulumi/pulumi";

/** Built-in role definition ids: the same in every tenant. */
export const builtInRoles = {
    acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    acrPush: "8311e382-0749-4cb8-b61a-304f252e45ec",
    aksRbacClusterAdmin: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
    networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
};

/** The subscription-scoped resource id of a built-in role definition. */
export function roleDefinitionId(roleId: string): pulumi.Output<string> {
    return authorization
        .getClientConfigOutput()
        .subscriptionId.apply((subscription) => `/subscriptions/${subscription}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`);
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
    return new authorization.RoleAssignment(
        name,
        {
            scope: args.scope,
            principalId: authorization.getClientConfigOutput().objectId,
            principalType: args.principalType,
            roleDefinitionId: roleDefinitionId(args.roleId),
        },
        opts,
    );
}
