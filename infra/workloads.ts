// The application on top of the mesh: the database Secret, the eight MeshServices and the edge.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EdgeGateway } from "../components/edgeGateway";
import { IstioMesh, ingressSelector } from "../components/istioMesh";
import { MeshService } from "../components/meshService";
import { ServiceImages } from "../components/serviceImages";
import { type ServiceName, serviceNames, type StackConfig } from "../stacks";
import { type Platform } from "./platform";

export function deployWorkloads(config: StackConfig, platform: Platform, mesh: IstioMesh) {
    const opts = { provider: platform.provider, dependsOn: mesh.ready };
    const namespaceName = config.namespace;
    const imageOf = serviceImages(config, platform);

    if (config.database.url) {
        new k8s.core.v1.Secret(
            "database",
            {
                metadata: { name: config.database.secretName, namespace: mesh.appNamespace },
                type: "Opaque",
                stringData: { DATABASE_URL: pulumi.secret(config.database.url) },
            },
            { provider: platform.provider },
        );
    }

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
                    otlpEndpoint: `http://${config.istio.tracing.collector}:4318`,
                    ingressPrincipal: mesh.ingressPrincipal,
                },
                opts,
            ),
    );

    new EdgeGateway(
        "ecommerce-gateway",
        {
            namespace: mesh.appNamespace,
            namespaceName,
            hosts: config.istio.ingress.hosts,
            tlsCredentialName: config.istio.ingress.tlsCredentialName,
            gatewaySelector: ingressSelector,
            services: serviceNames.map((service) => ({ service, namespace: namespaceName, config: config.services[service] })),
        },
        opts,
    );
    return services;
}

/** `<registry>/<service>:<tag>`, or the digest-pinned ref of an image this stack built. */
function serviceImages(config: StackConfig, platform: Platform): (service: ServiceName) => pulumi.Input<string> {
    const { images } = config;
    if (images.build && platform.registry) {
        const built = new ServiceImages("images", {
            services: serviceNames,
            loginServer: platform.registry.loginServer,
            registryId: platform.registry.registryId,
            tag: images.tag,
            deployerPrincipalType: config.cluster.deployerPrincipalType,
            contextDir: "services",
        });
        return (service) => built.refs[service];
    }
    const registry = images.registry ?? platform.registry?.loginServer;
    if (!registry) {
        throw new pulumi.RunError("ecommerce-mesh:images.registry: is required when the stack has no ACR");
    }
    return (service) => pulumi.interpolate`${registry}/${service}:${images.tag}`;
}
