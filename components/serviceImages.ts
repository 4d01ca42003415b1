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
    /**
     * What a push from the deployer travels: the peering, the runner's DNS link, the registry's
     * private endpoint and the zone group that writes its A records. The token exchange (a call,
     * not a resource) waits for them through its inputs, since dependsOn does not hold back an apply.
     */
    pushPath: pulumi.CustomResource[];
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
        const ready = pulumi.all([canPush.id, ...args.pushPath.map((resource) => resource.id)]);
        const password = pulumi.secret(
            pulumi.all([args.loginServer, authorization.getClientTokenOutput().token, ready]).apply(([server, token]) => exchangeForAcrToken(server, token)),
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

/**
 * The exchange is refused (401/403) until the AcrPush grant of the same run reaches ACR: Azure
 * says a new role assignment can take up to about ten minutes to apply
 * (learn.microsoft.com/azure/role-based-access-control/troubleshooting). A bounded, named wait.
 */
export const acrGrantWait = { attempts: 20, delayMs: 30_000 };

export interface ExchangeSeams {
    fetchFn?: typeof fetch;
    sleep?: (ms: number) => Promise<void>;
    wait?: { attempts: number; delayMs: number };
    log?: (message: string) => unknown;
}

export async function exchangeForAcrToken(loginServer: string, entraToken: string, seams: ExchangeSeams = {}): Promise<string> {
    const { fetchFn = fetch, sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)), wait = acrGrantWait, log = (message: string) => pulumi.log.info(message) } = seams;
    for (let attempt = 1; ; attempt++) {
        const response = await fetchFn(`https://${loginServer}/oauth2/exchange`, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({ grant_type: "access_token", service: loginServer, access_token: entraToken }),
        });
        if (response.ok) {
            const body = (await response.json()) as { refresh_token?: string };
            if (!body.refresh_token) {
                throw new pulumi.RunError(`ACR ${loginServer} answered the token exchange without a refresh_token`);
            }
            return body.refresh_token;
        }
        const refused = response.status === 401 || response.status === 403;
        if (!refused || attempt >= wait.attempts) {
            const waited = refused ? ` after ${attempt} attempts over ${((attempt - 1) * wait.delayMs) / 60_000} min waiting for the AcrPush grant to apply` : "";
            throw new pulumi.RunError(`ACR ${loginServer} refused the Entra ID token exchange (HTTP ${response.status})${waited}; does the deployer have AcrPush, and does it reach the registry's private endpoint?`);
        }
        log(`ACR ${loginServer} refused the token exchange (HTTP ${response.status}): waiting for the AcrPush grant to apply, attempt ${attempt} of ${wait.attempts}`);
        await sleep(wait.delayMs);
    }
}
