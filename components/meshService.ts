import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type ServiceConfig, type ServiceName, servicePort } from "../stacks";
import { serviceHost, serviceLabels, versionSelector, workloadLabels } from "./builders/labels";
import { authorizationRules } from "./builders/access";
import { destinationRuleSpec, type HttpRoute, httpRoutes, weightedSplit } from "./builders/routing";
import { deploymentSpec } from "./builders/workload";

export interface MeshServiceArgs {
    service: ServiceName;
    namespace: pulumi.Input<string>;
    /** Namespace name known at plan time: Istio hosts and principals are built from it. */
    namespaceName: string;
    config: ServiceConfig;
    /** One image serves every version of the service: SERVICE_VERSION selects the behaviour. */
    image: pulumi.Input<string>;
    databaseSecret: string;
    /** Key of this service's URL in that Secret (DATABASE_URL unless each service has its own login). */
    databaseSecretKey?: string;
    /** A new value restarts the pods, so they read rotated credentials. */
    databaseRotation?: string;
    otlpEndpoint?: string;
    /** SPIFFE principal of the ingress gateway, admitted on public and customer routes. */
    ingressPrincipal: string;
    /** The stack's chaos.enabled: the pods run the chaos control on their loopback. */
    chaos?: boolean;
}

/**
 * One e-commerce service in the mesh: its identity, a Deployment per version, the Service in
 * front of them, and the Istio objects that route, secure and protect traffic to it.
 */
export class MeshService extends pulumi.ComponentResource {
    public readonly host: string;
    /** Routes of the mesh VirtualService, reused (scoped to the path) by the edge gateway. */
    public readonly routes: HttpRoute[];
    /** Percentage of default-route traffic per version. */
    public readonly weights: Record<string, number>;

    constructor(name: string, args: MeshServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:mesh:MeshService", name, {}, opts);
        const { service, config, namespaceName } = args;
        const target = { service, namespace: namespaceName, config };
        // Children wait for what the component waits for: pods created before istiod's injection
        // webhook would run without a sidecar, and mesh objects need Istio's CRDs.
        const child = { parent: this, dependsOn: opts?.dependsOn };
        const meta = (objectName: string, labels: Record<string, string> = serviceLabels(service)) => ({
            name: objectName,
            namespace: args.namespace,
            labels,
        });

        this.host = serviceHost(service, namespaceName);
        this.routes = httpRoutes(target);
        this.weights = Object.fromEntries(weightedSplit(config).map(({ subset, weight }) => [subset, weight]));

        new k8s.core.v1.ServiceAccount(name, { metadata: meta(service), automountServiceAccountToken: false }, child);

        for (const version of config.versions) {
            const objectName = `${service}-${version}`;
            const labels = workloadLabels(service, version);
            new k8s.apps.v1.Deployment(
                objectName,
                {
                    metadata: meta(objectName, labels),
                    spec: deploymentSpec({
                        service,
                        version,
                        namespace: namespaceName,
                        image: args.image,
                        config,
                        databaseSecret: args.databaseSecret,
                        databaseSecretKey: args.databaseSecretKey,
                        databaseRotation: args.databaseRotation,
                        otlpEndpoint: args.otlpEndpoint,
                        chaos: args.chaos,
                    }),
                },
                child,
            );
            // maxUnavailable 1 lets a node drain proceed one pod at a time, even at one replica.
            new k8s.policy.v1.PodDisruptionBudget(
                objectName,
                { metadata: meta(objectName, labels), spec: { maxUnavailable: 1, selector: { matchLabels: versionSelector(service, version) } } },
                child,
            );
            if (config.autoscaling.enabled) {
                const { minReplicas, maxReplicas, targetCpuUtilization } = config.autoscaling;
                new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                    objectName,
                    {
                        metadata: meta(objectName, labels),
                        spec: {
                            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: objectName },
                            minReplicas,
                            maxReplicas,
                            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: targetCpuUtilization } } }],
                        },
                    },
                    child,
                );
            }
        }

        new k8s.core.v1.Service(
            name,
            {
                metadata: meta(service),
                spec: {
                    type: "ClusterIP",
                    selector: { app: service },
                    ports: [{ name: "http", port: servicePort, targetPort: "http", protocol: "TCP", appProtocol: "http" }],
                },
            },
            child,
        );

        new k8s.apiextensions.CustomResource(
            name,
            { apiVersion: "networking.istio.io/v1", kind: "DestinationRule", metadata: meta(service), spec: destinationRuleSpec(target) },
            child,
        );

        new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: "networking.istio.io/v1",
                kind: "VirtualService",
                metadata: meta(service),
                spec: { hosts: [this.host], gateways: ["mesh"], http: this.routes },
            },
            child,
        );

        // Only the edge and the services that call this one (by their mTLS identity) get in,
        // each with exactly the methods and paths it uses (the API surface).
        new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: "security.istio.io/v1",
                kind: "AuthorizationPolicy",
                metadata: meta(service),
                spec: {
                    selector: { matchLabels: { app: service } },
                    action: "ALLOW",
                    rules: authorizationRules(service, namespaceName, args.ingressPrincipal),
                },
            },
            child,
        );

        this.registerOutputs({ host: this.host, weights: this.weights });
    }
}
