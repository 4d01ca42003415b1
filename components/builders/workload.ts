// Kubernetes workload objects for one version of a service, as typed plain data.
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { catalog, containerPort, downstreamUrlEnv, maxRouteTimeoutMs, type ServiceConfig, type ServiceName } from "../../stacks";
import { scrapeAnnotations } from "../observability/scrape";
import { serviceHost, versionSelector, workloadLabels } from "./labels";

type PodTemplate = k8s.types.input.core.v1.PodTemplateSpec;

/** The UID the service image runs as; anything but root and Istio's proxy UID 1337. */
export const appUid = 10001;

/** The restricted Pod Security Standard for a container of the image: read-only, no privileges. */
export const restrictedContainer: k8s.types.input.core.v1.SecurityContext = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: appUid,
    capabilities: { drop: ["ALL"] },
};

export interface WorkloadTarget {
    service: ServiceName;
    version: string;
    namespace: string;
    image: pulumi.Input<string>;
    config: ServiceConfig;
    databaseSecret: string;
    databaseSecretKey?: string;
    /** Annotated on the pod template: a password rotation rolls the pods. */
    databaseRotation?: string;
    /** OTLP/HTTP endpoint the app exports traces to, when the mesh has a collector. */
    otlpEndpoint?: string;
    /** Starts the chaos control (CHAOS_ENABLED): bound to the pod's 127.0.0.1, so it has no container port. */
    chaos?: boolean;
}

export function deploymentSpec(target: WorkloadTarget): k8s.types.input.apps.v1.DeploymentSpec {
    const { service, version, config } = target;
    return {
        // With an HPA, the HPA owns the count; a fixed value here would fight it on every update.
        ...(config.autoscaling.enabled ? {} : { replicas: config.replicas }),
        selector: { matchLabels: versionSelector(service, version) },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: podTemplate(target),
    };
}

function podTemplate(target: WorkloadTarget): PodTemplate {
    const { service, version } = target;
    const selector = versionSelector(service, version);
    return {
        metadata: {
            labels: workloadLabels(service, version),
            // Istio's metrics merging moves the scrape annotations to its agent's port 15020 (see observability/scrape.ts).
            annotations: {
                ...scrapeAnnotations(containerPort),
                ...(target.databaseRotation ? { "ecommerce-mesh/credentials-rotation": target.databaseRotation } : {}),
            },
        },
        spec: {
            serviceAccountName: service,
            automountServiceAccountToken: false,
            // preStop sleep + drain in the app: endpoints are removed before the app stops accepting.
            terminationGracePeriodSeconds: 45,
            securityContext: {
                runAsNonRoot: true,
                runAsUser: appUid,
                runAsGroup: appUid,
                seccompProfile: { type: "RuntimeDefault" },
            },
            topologySpreadConstraints: ["topology.kubernetes.io/zone", "kubernetes.io/hostname"].map((topologyKey) => ({
                maxSkew: 1,
                topologyKey,
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: selector },
            })),
            containers: [appContainer(target)],
            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
        },
    };
}

function appContainer(target: WorkloadTarget): k8s.types.input.core.v1.Container {
    const { service, config } = target;
    const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
        httpGet: { path, port: "http" },
        periodSeconds,
        failureThreshold,
        timeoutSeconds: 2,
    });
    return {
        name: service,
        image: target.image,
        imagePullPolicy: "IfNotPresent",
        ports: [{ name: "http", containerPort, protocol: "TCP" }],
        env: environment(target),
        resources: { requests: { ...config.resources.requests }, limits: { ...config.resources.limits } },
        startupProbe: probe("/health/startup", 2, 30),
        livenessProbe: probe("/health/live", 10, 3),
        readinessProbe: probe("/health/ready", 5, 2),
        lifecycle: { preStop: { sleep: { seconds: 5 } } },
        securityContext: restrictedContainer,
        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
    };
}

/** The env contract documented in services/README.md. */
function environment(target: WorkloadTarget): k8s.types.input.core.v1.EnvVar[] {
    const { service, version, namespace, databaseSecret, otlpEndpoint } = target;
    return [
        { name: "SERVICE_NAME", value: service },
        { name: "SERVICE_VERSION", value: version },
        { name: "PORT", value: String(containerPort) },
        { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: databaseSecret, key: target.databaseSecretKey ?? "DATABASE_URL" } } },
        { name: "DATABASE_POOL_MAX", value: String(target.config.databasePoolSize) },
        ...catalog[service].calls.map((callee) => ({ name: downstreamUrlEnv(callee), value: `http://${serviceHost(callee, namespace)}` })),
        // A bound that no route timeout exceeds, rather than the callees' timeouts: the mesh
        // answers first, and a resilience edit leaves every Deployment (and pod) as it is.
        ...(catalog[service].calls.length ? [{ name: "DOWNSTREAM_TIMEOUT_MS", value: String(maxRouteTimeoutMs) }] : []),
        { name: "OTEL_SERVICE_NAME", value: service },
        ...(otlpEndpoint ? [{ name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: otlpEndpoint }] : []),
        ...(target.chaos ? [{ name: "CHAOS_ENABLED", value: "true" }] : []),
    ];
}
