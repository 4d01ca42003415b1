// The example ids the shipped stack files carry for values only the user knows (the runner's
// network, the admin group). Offline they render, and the advisory policy azure-no-example-ids
// lists them; a real `pulumi up` refuses them, naming the key.

import { isExampleId } from "../policies/lib/exampleIds";

interface PlaceholderView {
    cluster: { adminGroupObjectIds: string[] };
    deployer: { network?: { virtualNetworkId: string } };
}

/** Keys whose value is still an example id, as `ecommerce-mesh:<key>` lines. */
export function placeholderKeys(config: PlaceholderView): string[] {
    const found: string[] = [];
    if (config.deployer.network && isExampleId(config.deployer.network.virtualNetworkId)) {
        found.push(`ecommerce-mesh:deployer.network.virtualNetworkId: ${config.deployer.network.virtualNetworkId} is an example id: set the resource id of the network your deploy job runs in`);
    }
    config.cluster.adminGroupObjectIds.forEach((id, i) => {
        if (isExampleId(id)) {
            found.push(`ecommerce-mesh:cluster.adminGroupObjectIds.${i}: ${id} is an example id: set the object id of the Entra ID group that administers the cluster`);
        }
    });
    return found;
}

/**
 * Under a real engine (`pulumi preview` or `pulumi up`) an example id would peer with a network
 * that does not exist or make nobody admin: refuse it, one line per key. Offline renders pass.
 */
export function placeholderRefusal(config: PlaceholderView, realEngine: boolean): string | undefined {
    const found = placeholderKeys(config);
    return realEngine && found.length ? found.join("\n") : undefined;
}
