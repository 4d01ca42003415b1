// The application namespace's perimeter, from what the stack config says about the things
// outside it: the data tier's endpoint and the tracing collector's Service.
import * as pulumi from "@pulumi/pulumi";
import { type DatabaseEndpoint } from "../components/builders/perimeter";
import { type Database } from "../components/database";
import { ingressNamespace, ingressSelector, istioSystemNamespace, type IstioMesh } from "../components/istioMesh";
import { MeshPerimeter } from "../components/meshPerimeter";
import { containerPort, type StackConfig } from "../stacks";

/** OTLP ports of the collector: gRPC from the sidecars, HTTP from the apps. */
const otlpPorts = [4317, 4318];

export function deployPerimeter(config: StackConfig, mesh: IstioMesh, database: Database, opts: pulumi.CustomResourceOptions, jwksUri?: string): MeshPerimeter {
    return new MeshPerimeter(
        "perimeter",
        {
            namespace: mesh.appNamespace,
            appPort: containerPort,
            istioNamespace: istioSystemNamespace,
            ingressNamespace,
            ingressSelector,
            database: databaseEndpoint(config, database),
            observability: { namespace: collectorNamespace(config.istio.tracing.collector), otlpPorts },
            jwksUri,
        },
        opts,
    );
}

/** The provisioned server's endpoint (azure, cluster), or where `database.url` points (external). */
function databaseEndpoint(config: StackConfig, database: Database): DatabaseEndpoint | undefined {
    if (config.database.provider !== "external") {
        return database.endpoint;
    }
    return config.database.url ? databaseFromUrl(config.database.url) : undefined;
}

/**
 * Where `database.url` points. A Service name stays in the cluster; an IP gets a /32; any other
 * host name may resolve anywhere, so the NetworkPolicy can pin only the port and the sidecar's
 * REGISTRY_ONLY pins the host.
 */
export function databaseFromUrl(url: string): DatabaseEndpoint {
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        throw new pulumi.RunError("ecommerce-mesh:database.url: is not a connection URL such as postgres://user:pass@host:5432/db");
    }
    const host = parsed.hostname;
    const port = Number(parsed.port || 5432);
    const inCluster = /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(host);
    if (inCluster) {
        return { location: "cluster", namespace: inCluster[1], port };
    }
    return { location: "external", host, port, cidrs: [/^\d{1,3}(\.\d{1,3}){3}$/.test(host) ? `${host}/32` : "0.0.0.0/0"] };
}

/** `<service>.<namespace>[.svc[.cluster.local]]` → namespace: Prometheus and the collector live there. */
export function collectorNamespace(host: string): string {
    const match = /^[a-z0-9-]+\.([a-z0-9-]+)(\.svc(\.cluster\.local)?)?$/.exec(host);
    if (!match) {
        throw new pulumi.RunError(
            `ecommerce-mesh:istio.tracing.collector: ${host} is not a Service name <name>.<namespace>[.svc.cluster.local]; the NetworkPolicies admit its namespace`,
        );
    }
    return match[1];
}
