// Day-2 guards on the resources whose loss is not a redeploy: the data and the images.
import * as authorization from "@pulumi/azure-native/authorization";
import type * as pulumi from "@pulumi/pulumi";

/**
 * A CanNotDelete management lock: Pulumi's `protect` stops only `pulumi destroy` of this stack;
 * the lock stops a delete from anywhere (portal, CLI, another stack) while reads and updates go
 * on (learn.microsoft.com/azure/azure-resource-manager/management/lock-resources).
 */
export function deleteLock(name: string, scope: pulumi.Input<string>, what: string, opts: pulumi.CustomResourceOptions): authorization.ManagementLockByScope {
    return new authorization.ManagementLockByScope(
        name,
        { scope, lockName: "do-not-delete", level: "CanNotDelete", notes: `ecommerce-mesh: ${what}; remove this lock on purpose before deleting` },
        opts,
    );
}
