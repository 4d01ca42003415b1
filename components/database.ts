import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { databaseUrlKey, loginRole } from "../services/src/bootstrap/logins";
import { type ServiceName, serviceNames, type StackConfig } from "../stacks";
import { postgresSkus } from "../stacks/postgresSkus";
import { flexibleServerDrift } from "./builders/azureDrift";
import { cnpgChart, cnpgClusterSpec, cnpgOperatorValues } from "./builders/cnpg";
import { loginBootstrapJobSpec } from "./builders/loginBootstrap";
import { type DatabaseEndpoint } from "./builders/perimeter";
import { addressPlan, type Network } from "./network";
import { deleteLock } from "./operations";

type DatabaseConfig = StackConfig["database"];

export interface AzureDatabaseArgs {
    resourceGroupName: pulumi.Input<string>;
    location: pulumi.Input<string>;
    serverName: string;
    network: Network;
    /** Key of the PostgreSQL zone in network.dnsZoneIds. */
    dnsZoneKey: string;
    /** An image with the services' code: the bootstrap Job runs `main.js bootstrap-logins` from it. */
    bootstrapImage: pulumi.Input<string>;
}

export interface DatabaseArgs {
    config: DatabaseConfig;
    /** App namespace (created by the mesh): the Secret the services read lives there. */
    namespace: pulumi.Input<string>;
    namespaceName: string;
    highAvailability: boolean;
    /** Pulumi's protect and a CanNotDelete lock on the Flexible Server (prod): a delete must be unlocked first. */
    protect?: boolean;
    /** Needed for provider azure. */
    azure?: AzureDatabaseArgs;
}

interface Provisioned {
    host: pulumi.Output<string>;
    endpoint?: DatabaseEndpoint;
    /** The Flexible Server's resource id (database.provider azure), for its diagnostic settings. */
    azureServerId?: pulumi.Output<string>;
}

/** Name of the private DNS zone a Flexible Server with private access registers in. */
export const postgresDnsZoneName = (serverName: string) => `${serverName}.private.postgres.database.azure.com`;
/** The name Azure gives every Flexible Server; with private access it resolves into the zone above. */
export const postgresServerFqdn = (serverName: string) => `${serverName}.postgres.database.azure.com`;

const postgresPort = 5432;
const databaseName = "ecommerce";
const adminLogin = "ecommerceadmin";

/**
 * The PostgreSQL the services use, and the Secret `database.secretName` they read it from:
 * an Azure Flexible Server on the stack's VNet (provider azure), a CloudNativePG cluster
 * (provider cluster) or a URL/Secret the user brings (provider external).
 */
export class Database extends pulumi.ComponentResource {
    /** Host name the services connect to; not a secret. */
    public readonly host: pulumi.Output<string>;
    public readonly secretName: string;
    /**
     * Where the services reach the server, for the perimeter's ServiceEntry and NetworkPolicy;
     * unset for provider external, whose URL (if any) the caller reads.
     */
    public readonly endpoint?: DatabaseEndpoint;
    public readonly azureServerId?: pulumi.Output<string>;
    /** What the services' pods wait for: the Secret, and the logins where the program makes them. */
    public readonly ready: pulumi.Resource[] = [];
    private readonly perServiceLogins: boolean;

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:data:Database", name, {}, opts);
        this.secretName = args.config.secretName;
        this.perServiceLogins = args.config.provider === "azure";
        const provision = { azure: this.azureServer, cluster: this.cnpgCluster, external: this.external }[args.config.provider];
        const provisioned = provision.call(this, name, args);
        this.host = provisioned.host;
        this.endpoint = provisioned.endpoint;
        this.azureServerId = provisioned.azureServerId;
        this.registerOutputs({ host: this.host, secretName: this.secretName });
    }

    /** Secret key holding a service's DATABASE_URL. */
    urlKey(service: ServiceName): string {
        return this.perServiceLogins ? databaseUrlKey(service) : "DATABASE_URL";
    }

    private azureServer(name: string, args: DatabaseArgs): Provisioned {
        const azure = args.azure;
        if (!azure) {
            throw new pulumi.RunError("ecommerce-mesh:database.provider: azure needs the stack's AKS network (cluster.provider aks)");
        }
        const child = { parent: this };
        const settings = args.config.azure;
        // keepers: a new database.passwordRotation value generates new passwords on the next `pulumi up`.
        const keepers = { rotation: args.config.passwordRotation ?? "initial" };
        const password = (id: string) =>
            pulumi.secret(new random.RandomPassword(id, { length: 32, special: true, overrideSpecial: "-_.~", minUpper: 2, minLower: 2, minNumeric: 2, keepers }, child).result);
        const adminPassword = password(`${name}-admin`);

        const storage = { storageSizeGB: settings.storageSizeGB, autoGrow: "Enabled" };
        const server = new dbforpostgresql.Server(
            name,
            {
                serverName: azure.serverName,
                resourceGroupName: azure.resourceGroupName,
                location: azure.location,
                version: args.config.version,
                administratorLogin: adminLogin,
                administratorLoginPassword: adminPassword,
                authConfig: { passwordAuth: "Enabled", activeDirectoryAuth: "Disabled" },
                sku: { tier: settings.sku.tier, name: settings.sku.name },
                storage,
                backup: { backupRetentionDays: settings.backupRetentionDays, geoRedundantBackup: settings.geoRedundantBackup ? "Enabled" : "Disabled" },
                highAvailability:
                    settings.highAvailability === "Disabled"
                        ? { mode: "Disabled" }
                        : { mode: settings.highAvailability, ...(settings.standbyZone ? { standbyAvailabilityZone: settings.standbyZone } : {}) },
                ...(settings.zone ? { availabilityZone: settings.zone } : {}),
                maintenanceWindow: { customWindow: "Enabled", ...settings.maintenanceWindow },
                network: {
                    delegatedSubnetResourceId: azure.network.subnetIds.postgres,
                    privateDnsZoneArmResourceId: azure.network.dnsZoneIds[azure.dnsZoneKey],
                    publicNetworkAccess: "Disabled",
                },
            },
            {
                ...child,
                dependsOn: azure.network.dnsReady,
                additionalSecretOutputs: ["administratorLoginPassword"],
                ignoreChanges: flexibleServerDrift(storage),
                // The data outlives a mistaken `pulumi destroy` or a rename (args.protect: prod).
                protect: args.protect,
            },
        );
        if (args.protect) {
            deleteLock(`${name}-lock`, server.id, "the shop's data", child);
        }
        const parameter = (parameterName: string, value: string, dependsOn: pulumi.Resource[]) =>
            new dbforpostgresql.Configuration(
                `${name}-${parameterName.replace(/_/g, "-")}`,
                { configurationName: parameterName, serverName: server.name, resourceGroupName: azure.resourceGroupName, value, source: "user-override" },
                // Azure applies one server parameter at a time.
                { ...child, dependsOn },
            );
        const tls = parameter("require_secure_transport", "on", [server]);
        // Declared, not left to Azure, so the connection-budget policy reads the number the server runs with.
        const connections = parameter("max_connections", String(postgresSkus[settings.sku.name].maxConnections), [tls]);
        const database = new dbforpostgresql.Database(
            name,
            { databaseName, serverName: server.name, resourceGroupName: azure.resourceGroupName, charset: "UTF8", collation: "en_US.utf8" },
            { ...child, dependsOn: [connections] },
        );

        const host = server.fullyQualifiedDomainName.apply((fqdn) => fqdn ?? postgresDnsZoneName(azure.serverName));

        // Azure's certificate chains to a public root and names the host: verify it.
        const url = (user: string, secret: pulumi.Output<string>) =>
            pulumi.secret(pulumi.interpolate`postgres://${user}:${secret.apply(encodeURIComponent)}@${host}:${postgresPort}/${databaseName}?sslmode=verify-full`);
        const k8sChild = { parent: this };
        const adminSecret = new k8s.core.v1.Secret(
            `${name}-admin`,
            {
                metadata: { name: `${this.secretName}-admin`, namespace: args.namespace },
                type: "Opaque",
                stringData: { DATABASE_ADMIN_URL: url(adminLogin, adminPassword) },
            },
            k8sChild,
        );
        const servicesSecret = this.secret(
            name,
            args,
            Object.fromEntries(serviceNames.map((service) => [databaseUrlKey(service), url(loginRole(service), password(`${name}-${service}`))])),
        );
        const bootstrap = new k8s.batch.v1.Job(
            `${name}-bootstrap`,
            {
                metadata: { name: `${this.secretName}-bootstrap`, namespace: args.namespace, labels: { app: "database-bootstrap" } },
                spec: loginBootstrapJobSpec({ image: azure.bootstrapImage, adminSecret: `${this.secretName}-admin`, loginsSecret: this.secretName, rotation: keepers.rotation }),
            },
            // Replaced, not patched: a Job's pod template is immutable.
            { ...k8sChild, dependsOn: [database, adminSecret, servicesSecret], deleteBeforeReplace: true },
        );
        this.ready.push(servicesSecret, bootstrap);
        // The server's address is in its delegated subnet, so egress is admitted to that subnet only.
        return { host, azureServerId: server.id, endpoint: { location: "external", host: postgresServerFqdn(azure.serverName), port: postgresPort, cidrs: [addressPlan.subnets.postgres.cidr] } };
    }

    private cnpgCluster(name: string, args: DatabaseArgs): Provisioned {
        const child = { parent: this };
        const { cluster } = args.config;
        const dataNamespace = `${args.namespaceName}-data`;
        // Its own namespace, outside the mesh: the operator must reach the instances without mTLS.
        const namespace = new k8s.core.v1.Namespace(`${name}-data`, { metadata: { name: dataNamespace, labels: { "app.kubernetes.io/part-of": "ecommerce-mesh" } } }, child);
        const operatorNamespace = new k8s.core.v1.Namespace(`${name}-operator`, { metadata: { name: cnpgChart.namespace } }, child);
        const operator = new k8s.helm.v3.Release(
            `${name}-operator`,
            {
                name: "cnpg",
                chart: cnpgChart.chart,
                version: cnpgChart.version,
                namespace: operatorNamespace.metadata.name,
                repositoryOpts: { repo: cnpgChart.repository },
                values: cnpgOperatorValues(args.highAvailability),
                atomic: true,
                timeout: 600,
            },
            child,
        );
        const clusterName = "ecommerce-pg";
        const pg = new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: "postgresql.cnpg.io/v1",
                kind: "Cluster",
                metadata: {
                    name: clusterName,
                    namespace: namespace.metadata.name,
                    // The operator writes the app Secret during bootstrap; Ready means it is there.
                    annotations: { "pulumi.com/waitFor": "condition=Ready" },
                },
                spec: cnpgClusterSpec({ ...cluster, version: args.config.version }),
            },
            { ...child, dependsOn: [operator] },
        );
        // The operator's generated credentials (the database owner, not the superuser) become DATABASE_URL.
        const generated = k8s.core.v1.Secret.get(`${name}-app`, pulumi.interpolate`${pg.metadata.namespace}/${pg.metadata.name}-app`, { ...child, dependsOn: [pg] });
        const uri = pulumi.secret(generated.data.apply((data) => Buffer.from(data?.["uri"] ?? "", "base64").toString("utf8")));
        this.ready.push(this.secret(name, args, { DATABASE_URL: uri }));
        return { host: pulumi.output(`${clusterName}-rw.${dataNamespace}.svc.cluster.local`), endpoint: { location: "cluster", namespace: dataNamespace, port: postgresPort } };
    }

    private external(name: string, args: DatabaseArgs): Provisioned {
        const { url } = args.config;
        if (!url) {
            // The Secret exists already (made outside this program); the host is not ours to know.
            return { host: pulumi.output("external (see the Secret)") };
        }
        this.ready.push(this.secret(name, args, { DATABASE_URL: pulumi.secret(url) }));
        return { host: pulumi.output(hostOf(url)) };
    }

    private secret(name: string, args: DatabaseArgs, stringData: Record<string, pulumi.Input<string>>): k8s.core.v1.Secret {
        return new k8s.core.v1.Secret(name, { metadata: { name: this.secretName, namespace: args.namespace }, type: "Opaque", stringData }, { parent: this });
    }
}

/** The host of a connection URL, or a note when it has none (a socket path, a typo the services will report). */
function hostOf(url: string): string {
    try {
        return new URL(url).hostname || "unknown";
    } catch {
        return "unknown";
    }
}
