// The application on top of the mesh: the database Secret, the eight MeshServices and the edge.
import * as pulumi from "@pulumi/pulumi";
import { Certificates } from "../components/certificates";
import { Database } from "../components/database";
import { EdgeGateway } from "../components/edgeGateway";
import { otlpHttpEndpoint } from "../components/observability/endpoints";
import { IstioMesh, ingressSelector } from "../components/istioMesh";
import { MeshService } from "../components/meshService";
import { ServiceImages } from "../components/serviceImages";
import { type ServiceName, serviceNames, type StackConfig } from "../stacks";
import { edgeHosts, tlsAtGateway } from "../stacks/edge";
import { deployPerimeter } from "./perimeter";
import { type Platform, postgresServerName } from "./platform";

export function deployWorkloads(config: StackConfig, platform: Platform, mesh: IstioMesh) {
    const opts = { provider: platform.provider, dependsOn: mesh.ready };
    const namespaceName = config.namespace;
    const imageOf = serviceImages(config, platform);

    const database = provisionDatabase(config, platform, mesh, imageOf(serviceNames[0]));
    // The Secret (and the logins, where the program makes them) exist before the first pod starts;
    // the edge is declared with the services it routes to.
    const servicesOpts = { ...opts, dependsOn: [...mesh.ready, ...database.ready] };

    deployPerimeter(config, mesh, database, opts, config.auth.jwksUri);

    const services = serviceNames.map(
        (service) =>
            new MeshService(
                service,
                {
                    service,
                    namespace: mesh.appNamespace,
                    namespaceName,
                    config: config.services[service],
                    image: imageOf(service),
                    databaseSecret: config.database.secretName,
                    otlpEndpoint: otlpHttpEndpoint(config.istio.tracing.collector),
                    databaseSecretKey: database.urlKey(service),
                    databaseRotation: config.database.passwordRotation,
                    ingressPrincipal: mesh.ingressPrincipal,
                    chaos: config.chaos.enabled,
                },
                servicesOpts,
            ),
    );

    // The Gateway names the Secret the Certificate writes; cert-manager fills it once the issuer vouches.
    const certificates = tlsAtGateway(config.edge)
        ? new Certificates(
              "edge-certificates",
              {
                  edge: config.edge,
                  secretName: config.istio.ingress.tlsCredentialName,
                  gatewayNamespace: mesh.ingressNamespace,
                  gatewayReady: mesh.ready,
                  highAvailability: config.environment === "prod",
                  azure: platform.azure,
              },
              opts,
          )
        : undefined;

    new EdgeGateway(
        "ecommerce-gateway",
        {
            namespace: mesh.appNamespace,
            namespaceName,
            hosts: edgeHosts(config),
            tls: certificates
                ? { credentialName: certificates.secretName, minProtocolVersion: config.edge.minTlsVersion, hstsMaxAge: config.edge.hstsMaxAge }
                : { terminatedBy: config.edge.tlsTerminatedBy! },
            gatewaySelector: ingressSelector,
            services: serviceNames.map((service) => ({ service, namespace: namespaceName, config: config.services[service] })),
            ingressNamespace: mesh.ingressNamespace,
            auth: config.auth,
            rateLimit: config.rateLimit,
        },
        servicesOpts,
    );
    return { services, database };
}

/** `<registry>/<service>:<tag>`, or the digest-pinned ref of an image this stack built. */
function serviceImages(config: StackConfig, platform: Platform): (service: ServiceName) => pulumi.Input<string> {
    const { images } = config;
    if (images.build && platform.registry) {
        const built = new ServiceImages(
            "images",
            {
                services: serviceNames,
                loginServer: platform.registry.loginServer,
                registryId: platform.registry.registryId,
                tag: images.tag,
                deployerPrincipalType: config.cluster.deployerPrincipalType,
                contextDir: "services",
                pushPath: [...platform.deployerPath, ...platform.registry.privateAccess],
            },
            // Pushes to a private registry travel the deployer's peering and DNS link.
            { dependsOn: platform.deployerPath },
        );
        return (service) => built.refs[service];
    }
    const registry = images.registry ?? platform.registry?.loginServer;
    if (!registry) {
        throw new pulumi.RunError("ecommerce-mesh:images.registry: is required when the stack has no ACR");
    }
    return (service) => pulumi.interpolate`${registry}/${service}:${images.tag}`;
}

/** The data tier of `database.provider`, and the Secret `database.secretName` the services read. */
function provisionDatabase(config: StackConfig, platform: Platform, mesh: IstioMesh, bootstrapImage: pulumi.Input<string>): Database {
    const { azure } = platform;
    return new Database(
        "database",
        {
            config: config.database,
            namespace: mesh.appNamespace,
            namespaceName: config.namespace,
            highAvailability: config.environment === "prod",
            protect: config.environment === "prod",
            ...(azure
                ? {
                      azure: {
                          resourceGroupName: azure.resourceGroupName,
                          location: azure.location,
                          serverName: postgresServerName(config),
                          network: azure.network,
                          dnsZoneKey: "postgres",
                          bootstrapImage,
                      },
                  }
                : {}),
        },
        // Only CloudNativePG's volumes need the StorageClass; an Azure server must not wait for the cluster.
        { providers: [platform.provider], dependsOn: config.database.provider === "cluster" ? (platform.volumeClass?.ready ?? []) : [] },
    );
}
