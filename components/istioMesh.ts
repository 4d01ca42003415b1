import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { otlpPorts } from "./observability/endpoints";

export interface IstioMeshArgs {
    /** Pinned Istio release; every chart is installed at this version. */
    version: string;
    chartRepository: string;
    /** Namespace of the application, created with sidecar injection on. */
    appNamespace: string;
    mtlsMode: "STRICT" | "PERMISSIVE";
    ingress: { serviceType: string; replicas: number };
    tracing: { sampling: number; collector: string };
    accessLog: boolean;
    /** Two istiod replicas at least, so a node drain never leaves the mesh without a control plane. */
    highAvailability: boolean;
}

export const istioSystemNamespace = "istio-system";
export const ingressNamespace = "istio-ingress";
/** Helm release of the gateway chart: its pods are labelled `istio: ingressgateway`. */
export const ingressReleaseName = "istio-ingressgateway";
export const ingressSelector = "ingressgateway";
/** The mesh's tracing provider (meshConfig.extensionProviders), named by the Telemetry resource. */
export const tracingProvider = "otel-tracing";

/**
 * Istio installed the way its Helm docs order it (base CRDs → istiod → ingress gateway),
 * with mesh-wide mTLS, access logs and tracing, and the application namespace ready for
 * sidecar injection.
 */
export class IstioMesh extends pulumi.ComponentResource {
    public readonly appNamespace: pulumi.Output<string>;
    /** SPIFFE identity of the ingress gateway, for AuthorizationPolicies. */
    public readonly ingressPrincipal: string;
    public readonly ingressServiceName: string;
    public readonly ingressNamespace: string;
    /** Everything mesh objects need in place before they apply (CRDs, istiod webhooks). */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: IstioMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:mesh:IstioMesh", name, {}, opts);
        const child = { parent: this };
        const namespace = (nsName: string, labels: Record<string, string> = {}) =>
            new k8s.core.v1.Namespace(nsName, { metadata: { name: nsName, labels: { "app.kubernetes.io/part-of": "ecommerce-mesh", ...labels } } }, child);
        const release = (releaseName: string, chart: string, ns: k8s.core.v1.Namespace, values: Record<string, unknown>, dependsOn: pulumi.Resource[]) =>
            new k8s.helm.v3.Release(
                releaseName,
                {
                    name: releaseName,
                    chart,
                    version: args.version,
                    namespace: ns.metadata.name,
                    repositoryOpts: { repo: args.chartRepository },
                    values,
                    atomic: true,
                    timeout: 600,
                },
                { ...child, dependsOn },
            );

        const system = namespace(istioSystemNamespace);
        const ingress = namespace(ingressNamespace, { "istio-injection": "enabled" });
        const app = namespace(args.appNamespace, { "istio-injection": "enabled" });

        const base = release("istio-base", "base", system, { defaultRevision: "default" }, [system]);
        const istiod = release(
            "istiod",
            "istiod",
            system,
            {
                meshConfig: {
                    accessLogFile: args.accessLog ? "/dev/stdout" : "",
                    accessLogEncoding: "JSON",
                    // Apps start only once their sidecar is ready, so start-up calls do not fail.
                    defaultConfig: {
                        holdApplicationUntilProxyStarts: true,
                        // Envoy keeps outlier-detection stats only when asked: the circuit-breaker alert reads them.
                        proxyStatsMatcher: { inclusionRegexps: [".*outlier_detection.*"] },
                    },
                    // The pods' prometheus.io annotations move to the agent's merged endpoint (15020), outside mTLS.
                    enablePrometheusMerge: true,
                    // Sidecars reach only hosts in the registry: Services and the MeshPerimeter's ServiceEntries.
                    outboundTrafficPolicy: { mode: "REGISTRY_ONLY" },
                    extensionProviders: [{ name: tracingProvider, opentelemetry: { service: args.tracing.collector, port: otlpPorts.grpc } }],
                },
                pilot: { autoscaleMin: args.highAvailability ? 2 : 1 },
            },
            [base],
        );
        const gateway = release(
            ingressReleaseName,
            "gateway",
            ingress,
            {
                replicaCount: args.ingress.replicas,
                service: { type: args.ingress.serviceType },
                autoscaling: { enabled: false },
                // The chart creates no PDB by default: without one a drain can evict every gateway pod at once.
                podDisruptionBudget: { maxUnavailable: 1 },
            },
            [istiod],
        );

        // Mesh-wide policy lives in the root namespace; workload objects may only tighten it.
        new k8s.apiextensions.CustomResource(
            "mesh-mtls",
            {
                apiVersion: "security.istio.io/v1",
                kind: "PeerAuthentication",
                metadata: { name: "default", namespace: istioSystemNamespace },
                spec: { mtls: { mode: args.mtlsMode } },
            },
            { ...child, dependsOn: [istiod] },
        );
        new k8s.apiextensions.CustomResource(
            "mesh-telemetry",
            {
                apiVersion: "telemetry.istio.io/v1",
                kind: "Telemetry",
                metadata: { name: "mesh-default", namespace: istioSystemNamespace },
                spec: { tracing: [{ providers: [{ name: tracingProvider }], randomSamplingPercentage: args.tracing.sampling }] },
            },
            { ...child, dependsOn: [istiod] },
        );

        this.appNamespace = app.metadata.name;
        this.ingressPrincipal = `cluster.local/ns/${ingressNamespace}/sa/${ingressReleaseName}`;
        this.ingressServiceName = ingressReleaseName;
        this.ingressNamespace = ingressNamespace;
        this.ready = [istiod, gateway];
        this.registerOutputs({ appNamespace: this.appNamespace, ingressPrincipal: this.ingressPrincipal });
    }
}
