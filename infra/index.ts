// ecommerce-mesh: stack config → platform (AKS + ACR, or an existing cluster) → Istio →
// the eight services and the edge gateway → outputs.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IstioMesh } from "../components/istioMesh";
import { withVolumeClass } from "../components/storage";
import { observe } from "./observability";
import { readStackConfig, StackConfigError } from "../stacks";
import { ingressUrl as edgeUrl, tlsAtGateway } from "../stacks/edge";
import { refusePlaceholders } from "../stacks/placeholders";
import { provisionPlatform, recordDiagnostics } from "./platform";
import { deployWorkloads } from "./workloads";

function loadConfig() {
    try {
        const config = readStackConfig();
        // A real preview or up (an engine attached, not the offline mocks) must not ship example ids.
        refusePlaceholders(config, pulumi.runtime.hasEngine());
        return config;
    } catch (error) {
        // A RunError ends the program with its message alone: no stack trace for a config typo.
        throw error instanceof StackConfigError ? new pulumi.RunError(error.message) : error;
    }
}

const loaded = loadConfig();
const platform = provisionPlatform(loaded, pulumi.getStack());
// Volumes left to the cluster's default class use the platform's zone-redundant one, where it has one.
const config = withVolumeClass(loaded, platform.volumeClass?.name);

const mesh = new IstioMesh(
    "istio",
    {
        version: config.istio.version,
        revision: config.istio.revision,
        standbyRevisions: config.istio.standbyRevisions,
        chartRepository: config.istio.chartRepository,
        appNamespace: config.namespace,
        mtlsMode: config.mtls,
        ingress: config.istio.ingress,
        tracing: config.istio.tracing,
        accessLog: config.istio.accessLog,
        highAvailability: config.environment === "prod",
    },
    { provider: platform.provider },
);

const { services, database } = deployWorkloads(config, platform, mesh);
recordDiagnostics(config, platform, database);
const observability = observe(config, platform, mesh);

const ingressService = k8s.core.v1.Service.get("ingress-gateway", `${mesh.ingressNamespace}/${mesh.ingressServiceName}`, {
    provider: platform.provider,
    dependsOn: mesh.ready,
});
const ingressAddress = ingressService.status.apply((status) => {
    const entry = status?.loadBalancer?.ingress?.[0];
    // With TLS at the Gateway its port 80 only redirects: forward 443 (the certificate names edge.domain, so curl --resolve or -k).
    const ports = tlsAtGateway(config.edge) ? "8443:443" : "8080:80";
    return entry?.ip ?? entry?.hostname ?? `no external address (service type ${config.istio.ingress.serviceType}): kubectl -n ${mesh.ingressNamespace} port-forward svc/${mesh.ingressServiceName} ${ports}`;
});

export const environment = config.environment;
export const clusterName = platform.clusterName;
export const kubeconfig = platform.kubeconfig;
export const registryLoginServer = platform.registry?.loginServer ?? config.images.registry;
export { ingressAddress };
export const ingressUrl = ingressAddress.apply((address) => edgeUrl(config.edge, address));
/** Where the services' PostgreSQL runs (not a secret), and the Secret they read DATABASE_URL from. */
export const databaseHost = database.host;
export const databaseSecretName = database.secretName;
/** Percentage of traffic per version for every service, as the mesh and the edge route it. */
/** Secret; the Grafana `admin` password (unset when observability.grafana is off). */
export const grafanaAdminPassword = observability.grafanaAdminPassword;
export const canaryWeights = Object.fromEntries(services.map((service) => [service.host.split(".")[0], service.weights]));
