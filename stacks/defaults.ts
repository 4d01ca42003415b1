// The reference design, applied under whatever a stack file sets. Stack files then say only
// what differs per environment (replica counts, autoscaling, the canary, fault demos).
import { type ServiceName, serviceNames } from "./catalog";

const readRetryOn = "5xx,reset,connect-failure";
// Failures where the request never reached the app, so replaying a POST cannot act twice.
const safeWriteRetryOn = "connect-failure,refused-stream";

/** Route timeout and per-try timeout per service (see README: payment calls a slow provider). */
const timeouts: Record<ServiceName, { timeout: string; perTryTimeout: string; attempts: number }> = {
    product: { timeout: "5s", perTryTimeout: "1s", attempts: 3 },
    cart: { timeout: "8s", perTryTimeout: "2s", attempts: 3 },
    order: { timeout: "10s", perTryTimeout: "2s", attempts: 3 },
    // Envoy makes attempts + 1 tries in all: 2 retries × 5s per try fill the 15s budget.
    payment: { timeout: "15s", perTryTimeout: "5s", attempts: 2 },
    user: { timeout: "8s", perTryTimeout: "2s", attempts: 3 },
    inventory: { timeout: "8s", perTryTimeout: "2s", attempts: 3 },
    shipping: { timeout: "8s", perTryTimeout: "2s", attempts: 3 },
    notification: { timeout: "8s", perTryTimeout: "2s", attempts: 3 },
};

export function defaultService(name: ServiceName) {
    const { timeout, perTryTimeout, attempts } = timeouts[name];
    return {
        replicas: 1,
        resources: {
            requests: { cpu: "100m", memory: "128Mi" },
            limits: { cpu: "500m", memory: "256Mi" },
        },
        versions: name === "product" ? ["v1", "v2"] : ["v1"],
        ...(name === "product" ? { canary: { stable: "v1", canary: "v2", weight: 10, header: "x-version" } } : {}),
        timeout,
        retries: { attempts, perTryTimeout, retryOn: readRetryOn, writeRetryOn: safeWriteRetryOn },
        loadBalancer: "LEAST_REQUEST",
        // Generous limits: the pool guards against a runaway caller, not normal load.
        connectionPool: {
            tcp: { maxConnections: 1024, connectTimeout: "2s" },
            http: { http1MaxPendingRequests: 1024, http2MaxRequests: 1024, maxRequestsPerConnection: 0 },
        },
        outlierDetection: {
            consecutive5xxErrors: 5,
            interval: "30s",
            baseEjectionTime: "30s",
            maxEjectionPercent: 50,
            minHealthPercent: 50,
        },
        autoscaling: { enabled: false, minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 70 },
    };
}

export function defaultConfig() {
    return {
        namespace: "ecommerce",
        cluster: {
            provider: "aks",
            location: "westeurope",
            kubernetesVersion: "1.33",
            systemPool: { vmSize: "Standard_D4ds_v5", count: 3 },
            userPool: { vmSize: "Standard_D4ds_v5", minCount: 2, maxCount: 6 },
            availabilityZones: [],
            disableLocalAccounts: true,
            deployerPrincipalType: "User",
            adminGroupObjectIds: [],
        },
        registry: { sku: "Standard" },
        images: { build: false },
        istio: {
            version: "1.27.3",
            chartRepository: "https://istio-release.storage.googleapis.com/charts",
            ingress: { serviceType: "LoadBalancer", replicas: 2, hosts: ["*"] },
            tracing: { sampling: 1, collector: "otel-collector.observability.svc.cluster.local" },
            accessLog: true,
        },
        mtls: "STRICT",
        auth: { audiences: ["ecommerce-mesh"] },
        // Per client address: a storefront session reads far more than it writes.
        rateLimit: { enabled: true, interval: "1m", read: 600, write: 120 },
        database: { secretName: "ecommerce-db" },
        services: Object.fromEntries(serviceNames.map((name) => [name, defaultService(name)])),
    };
}
