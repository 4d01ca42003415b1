import * as authorization from "@pulumi/azure-native/authorization";
import * as dockerbuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { type ServiceName } from "../stacks";
import { builtInRoles, grantDeployer } from "./builders/azureRoles";

export interface ServiceImagesArgs {
    services: readonly ServiceName[];
    loginServer: pulumi.Input<string>;
    registryId: pulumi.Input<string>;
    tag: string;
    /** What kind of identity runs Pulumi: it is granted AcrPush. */
    deployerPrincipalType: "User" | "ServicePrincipal";
    /** Build context holding the services package and its Dockerfile. */
    contextDir: string;
}

// ACR's fixed user name for tokens obtained through the Entra ID exchange.
const acrTokenUser = "00000000-0000-0000-0000-000000000000";

/**
 * Opt-in (`images.build: true`): builds each service image with BuildKit and pushes it to the
 * ACR. The registry keeps its admin user off: Pulumi's own Entra ID token is exchanged for an
 * ACR refresh token, as `az acr login` does, and the deployer is granted AcrPush.
 */
export class ServiceImages extends pulumi.ComponentResource {
    /** Digest-pinned reference per service. */
    public readonly refs: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: ServiceImagesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:platform:ServiceImages", name, {}, opts);
        const canPush = grantDeployer(
            `${name}-acr-push`,
            { scope: args.registryId, roleId: builtInRoles.acrPush, principalType: args.deployerPrincipalType },
            { parent: this },
        );
        const password = pulumi.secret(
            pulumi.all([args.loginServer, authorization.getClientTokenOutput().token]).apply(([server, token]) => exchangeForAcrToken(server, token)),
        );

        this.refs = {};
        for (const service of args.services) {
            const image = new dockerbuild.Image(
                `${name}-${service}`,
                {
                    context: { location: args.contextDir },
                    dockerfile: { location: `${args.contextDir}/Dockerfile` },
                    // VERSION fills the image's org.opencontainers.image.version label.
                    buildArgs: { SERVICE: service, VERSION: args.tag },
                    platforms: ["linux/amd64"],
                    tags: [pulumi.interpolate`${args.loginServer}/${service}:${args.tag}`],
                    push: true,
                    registries: [{ address: args.loginServer, username: acrTokenUser, password }],
                },
                { parent: this, dependsOn: [canPush] },
            );
            this.refs[service] = image.ref;
        }
        this.registerOutputs({ refs: this.refs });
    }
}

async function exchangeForAcrToken(loginServer: string, entraToken: string): Promise<string> {
    const response = await fetch(`https://${loginServer}/oauth2/exchange`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "access_token", service: loginServer, access_token: entraToken }),
    });
    if (!response.ok) {
        throw new pulumi.RunError(`ACR ${loginServer} refused the Entra ID token exchange (HTTP ${response.status}); does the deployer have AcrPush?`);
    }
    const body = (await response.json()) as { refresh_token?: string };
    if (!body.refresh_token) {
        throw new pulumi.RunError(`ACR ${loginServer} answered the token exchange without a refresh_token`);
    }
    return body.refresh_token;
}
