import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { otlpPorts } from "./observability/endpoints";
import { type ControlPlane, revisionPlan, withRevision } from "./istioRevisions";

export interface IstioMeshArgs {
    /** Pinned Istio release of the active control plane and the gateway. */
    version: string;
    /** Install istiod as this revision, namespaces pointing at its revision tag (istioRevisions.ts). */
    revision?: string;
    /** Other control planes kept beside the active one: revision name → Istio version. */
    standbyRevisions?: Record<string, string>;
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
/** Where istiod, and the proxies it injects, come from. */
export const imageHub = "docker.io/istio";

/** A chart from a Helm repository (`https://`) or an OCI registry (`oci://`, where the chart is a path). */
export function chartSource(repository: string, chart: string): { chart: string; repositoryOpts?: { repo: string } } {
    return repository.startsWith("oci://") ? { chart: `${repository.replace(/\/+$/, "")}/${chart}` } : { chart, repositoryOpts: { repo: repository } };
}

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
        const release = (releaseName: string, chart: string, ns: k8s.core.v1.Namespace, values: Record<string, unknown>, dependsOn: pulumi.Resource[], version = args.version) =>
            new k8s.helm.v3.Release(
                releaseName,
                {
                    name: releaseName,
                    ...chartSource(args.chartRepository, chart),
                    version,
                    namespace: ns.metadata.name,
                    values,
                    atomic: true,
                    timeout: 600,
                },
                { ...child, dependsOn },
            );

        const plan = revisionPlan(args);
        const system = namespace(istioSystemNamespace);
        const ingress = namespace(ingressNamespace, plan.injectionLabels);
        const app = namespace(args.appNamespace, plan.injectionLabels);

        const base = release("istio-base", "base", system, { defaultRevision: plan.defaultRevision }, [system], plan.baseVersion);
        const istiodValues = (plane: ControlPlane) =>
            withRevision(plan, plane, {
                meshConfig: {
                    accessLogFile: args.accessLog ? "/dev/stdout" : "",
                    accessLogEncoding: "JSON",
                    // Apps start only once their sidecar is ready, so start-up calls do not fail.
                    defaultConfig: {
                        holdApplicationUntilProxyStarts: true,
                        // Envoy keeps outlier-detection and retry stats only when asked: the circuit-breaker alert and the chaos scenarios read them.
                        proxyStatsMatcher: { inclusionRegexps: [".*outlier_detection.*", ".*upstream_rq_retry.*"] },
                    },
                    // The pods' prometheus.io annotations move to the agent's merged endpoint (15020), outside mTLS.
                    enablePrometheusMerge: true,
                    // Sidecars reach only hosts in the registry: Services and the MeshPerimeter's ServiceEntries.
                    outboundTrafficPolicy: { mode: "REGISTRY_ONLY" },
                    extensionProviders: [{ name: tracingProvider, opentelemetry: { service: args.tracing.collector, port: otlpPorts.grpc } }],
                },
                // The chart's own key: `pilot.` is a legacy prefix it copies up (see test/fixtures/charts).
                autoscaleMin: args.highAvailability ? 2 : 1,
                global: {
                    // Istio 1.31 stops publishing to gcr.io/istio-release and registry.istio.io; Docker Hub stays.
                    hub: imageHub,
                    // The container runtime's seccomp profile on istio-proxy and istio-validation (opt-in since 1.28).
                    proxy: { seccompProfile: { type: "RuntimeDefault" } },
                },
            });
        const [activePlane, ...standbyPlanes] = plan.controlPlanes;
        const standbys = standbyPlanes.map((plane) => release(plane.release, "istiod", system, istiodValues(plane), [base], plane.version));
        // After the standbys: when the tag moves, the old owner drops it before the new one takes it.
        const istiod = release(activePlane.release, "istiod", system, istiodValues(activePlane), [base, ...standbys], activePlane.version);
        const gateway = release(
            ingressReleaseName,
            "gateway",
            ingress,
            {
                ...(plan.gatewayRevision ? { revision: plan.gatewayRevision } : {}),
                replicaCount: args.ingress.replicas,
                // Local keeps the client's address for the per-client rate limit; Cluster SNATs it to a
                // node's (kubernetes.io: Preserving the client source IP). ClusterIP has no external traffic.
                service: { type: args.ingress.serviceType, ...(args.ingress.serviceType === "ClusterIP" ? {} : { externalTrafficPolicy: "Local" }) },
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
