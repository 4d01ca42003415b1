import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as pulumi from "@pulumi/pulumi";

export interface ContainerRegistryArgs {
    resourceGroupName: pulumi.Input<string>;
    location: pulumi.Input<string>;
    /** Globally unique ACR name, 5–50 letters and digits. */
    registryName: string;
    sku: "Basic" | "Standard" | "Premium";
}

/** The ACR that holds the service images. Pulls use the cluster's identity, never an admin password. */
export class ContainerRegistry extends pulumi.ComponentResource {
    public readonly registryId: pulumi.Output<string>;
    public readonly loginServer: pulumi.Output<string>;

    constructor(name: string, args: ContainerRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:platform:ContainerRegistry", name, {}, opts);
        const registry = new containerregistry.Registry(
            name,
            {
                registryName: args.registryName,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                sku: { name: args.sku },
                adminUserEnabled: false,
            },
            { parent: this },
        );
        this.registryId = registry.id;
        this.loginServer = registry.loginServer;
        this.registerOutputs({ registryId: this.registryId, loginServer: this.loginServer });
    }
}
