// The reference design, applied under whatever a stack file sets. Stack files then say only
// what differs per environment (replica counts, autoscaling, the canary, fault demos).
import { type ServiceName, serviceNames } from "./catalog";
import { defaultEdge } from "./edge";
import { defaultObservability } from "./observability";
import { chartRow } from "./support";

const readRetryOn = "5xx,reset,connect-failure";
// Failures where the request never reached the app, so replaying a POST cannot act twice.
const safeWriteRetryOn = "connect-failure,refused-stream";

/** Route timeout and per-try timeout per service (see README: payment calls a slow provider). */
const timeouts: Record<ServiceName, { timeout: string; perTryTimeout: string; attempts: number }> = {
    product: { timeout: "5s", perTryTimeout: "1s", attempts: 3 },
    // A caller's try must outlast the route timeout of each service it calls, or its proxy cuts
    // a request the callee is still completing (policy timeout-covers-downstream-calls):
    // cart calls inventory (8s): one retry of 8s in 16s.
    cart: { timeout: "16s", perTryTimeout: "8s", attempts: 1 },
    // Checkout waits on payment (15s): a try of 15s, one retry (reads and connect failures
    // only: writes are never replayed after reaching the app).
    order: { timeout: "30s", perTryTimeout: "15s", attempts: 1 },
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
        databasePoolSize: 5,
        autoscaling: { enabled: false, minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 70 },
    };
}

export function defaultConfig() {
    return {
        namespace: "ecommerce",
        cluster: {
            provider: "aks",
            location: "westeurope",
            // Supported by AKS until 2027-06-30 and by Istio 1.30 and 1.31 (policies/support-table.json).
            kubernetesVersion: "1.36",
            systemPool: { vmSize: "Standard_D4ds_v5", count: 3 },
            userPool: { vmSize: "Standard_D4ds_v5", minCount: 2, maxCount: 6 },
            availabilityZones: [],
            disableLocalAccounts: true,
            privateApiServer: false,
            deployerPrincipalType: "User",
            adminGroupObjectIds: [],
        },
        registry: { sku: "Standard", privateEndpoint: false },
        images: { build: false },
        istio: {
            // The pinned charts of the support table: Istio 1.31 from its new location.
            version: chartRow("istiod").version,
            chartRepository: chartRow("istiod").repository,
            ingress: { serviceType: "LoadBalancer", replicas: 2, tlsCredentialName: "edge-tls" },
            tracing: { sampling: 1, collector: "otel-collector.observability.svc.cluster.local" },
            accessLog: true,
        },
        mtls: "STRICT",
        auth: { audiences: ["ecommerce-mesh"] },
        // Per client address: a storefront session reads far more than it writes.
        rateLimit: { enabled: true, interval: "1m", read: 600, write: 120 },
        database: { secretName: "ecommerce-db" },
        observability: defaultObservability(),
        edge: defaultEdge(),
        chaos: { enabled: false },
        services: Object.fromEntries(serviceNames.map((name) => [name, defaultService(name)])),
    };
}
