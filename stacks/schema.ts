// The one typed schema for every stack-config key. Each leaf carries the sentence that ends
// "<key>: <value> ..." in an error, so a user sees what is wrong and what is allowed.
import { z } from "zod";
import { serviceNames } from "./catalog";
import { canaryRollout } from "./rollout";
import { formatDuration, maxRouteTimeoutMs, parseDuration } from "./durations";
import { observabilityIssues, observabilitySchema } from "./observability";
import { databaseKeys, refineDatabase } from "./databaseSchema";
import { deployerIssues, deployerSchema } from "./deployerSchema";
import { edgeIssues, edgeSchema } from "./edge";

const says = (text: string) => ({ error: text });

function intFrom(min: number, max: number) {
    const text = `is not an integer from ${min} to ${max}`;
    return z.int(says(text)).min(min, says(text)).max(max, says(text));
}

function percentage() {
    const text = "is not a percentage from 0 to 100";
    return z.number(says(text)).min(0, says(text)).max(100, says(text));
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
    return z.enum(values, says(`is not one of ${values.join(", ")}`));
}

function matching(pattern: RegExp, what: string) {
    return z.string(says(`is not ${what}`)).regex(pattern, says(`is not ${what}`));
}

const flag = z.boolean(says("is not true or false"));

function isJwks(text: string): boolean {
    try {
        return Array.isArray((JSON.parse(text) as { keys?: unknown }).keys);
    } catch {
        return false;
    }
}

const duration = z
    .string(says("is not an Istio duration such as 500ms, 2s or 1m"))
    .refine((text) => parseDuration(text) !== undefined, says("is not an Istio duration such as 500ms, 2s or 1m"));

const routeTimeout = duration.refine(
    (text) => parseDuration(text)! <= maxRouteTimeoutMs,
    says(`is longer than ${formatDuration(maxRouteTimeoutMs)}, the longest a route may take (the services wait that long on a call, and no longer)`),
);

const dnsLabel = matching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "a lowercase DNS label (a-z, 0-9, '-', at most 63 characters)");
const headerName = matching(/^[a-z0-9][a-z0-9-]*$/, "a lowercase HTTP header name such as x-version");
const cpuQuantity = matching(/^\d+(\.\d+)?m?$/, "a CPU quantity such as 250m or 1");
const memoryQuantity = matching(/^\d+(Ki|Mi|Gi|Ti|k|M|G|T)?$/, "a memory quantity such as 256Mi or 1Gi");

// Envoy's retry conditions as Istio accepts them in `retryOn`, plus bare HTTP status codes.
export const retryConditions = [
    "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "envoy-ratelimited",
    "retriable-4xx", "refused-stream", "retriable-status-codes", "retriable-headers", "http3-post-connect-failure",
    "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable",
] as const;
const retryOn = z
    .string(says(`is not a comma-separated list of retry conditions (${retryConditions.join(", ")} or a status code)`))
    .refine(
        (text) => text.split(",").every((c) => (retryConditions as readonly string[]).includes(c) || /^[1-5]\d\d$/.test(c)),
        says(`is not a comma-separated list of retry conditions (${retryConditions.join(", ")} or a status code)`),
    );

const istioVersion = matching(/^\d+\.\d+\.\d+$/, "a pinned Istio version such as 1.31.1");
// Istio revisions are DNS labels; 1-31-1 for 1.31.1 is the convention its docs use.
const revisionName = matching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "an Istio revision name (a lowercase DNS label such as 1-31-1)");

const resourceAmounts = z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity });

export const serviceSchema = z
    .strictObject({
        replicas: intFrom(1, 50),
        resources: z.strictObject({ requests: resourceAmounts, limits: resourceAmounts }),
        versions: z.array(dnsLabel, says("is not a list of version names")).min(1, says("needs at least one version")),
        canary: z
            .strictObject({
                stable: dnsLabel,
                canary: dnsLabel,
                weight: intFrom(0, 100),
                header: headerName,
                steps: z
                    .array(intFrom(1, 100), says("is not a list of weights from 1 to 100"))
                    .min(1, says("needs at least one step"))
                    .refine((steps) => steps.every((w, i) => i === 0 || w > steps[i - 1]) && steps.at(-1) === 100, says("must rise step by step and end at 100"))
                    .default(() => [...canaryRollout.steps]),
                // Leaf defaults, so any service's canary can override one threshold alone.
                analysis: z
                    .strictObject({
                        interval: duration.default(canaryRollout.analysis.interval),
                        successRate: percentage().default(canaryRollout.analysis.successRate),
                        maxP99: duration.default(canaryRollout.analysis.maxP99),
                        minRequests: intFrom(1, 1_000_000).default(canaryRollout.analysis.minRequests),
                    })
                    .prefault({}),
            })
            .optional(),
        timeout: routeTimeout,
        retries: z.strictObject({
            attempts: intFrom(0, 10),
            perTryTimeout: duration,
            retryOn,
            writeRetryOn: retryOn,
        }),
        loadBalancer: oneOf(["LEAST_REQUEST", "ROUND_ROBIN", "RANDOM", "PASSTHROUGH"]),
        connectionPool: z.strictObject({
            tcp: z.strictObject({ maxConnections: intFrom(1, 1_000_000), connectTimeout: duration }),
            http: z.strictObject({
                http1MaxPendingRequests: intFrom(1, 1_000_000),
                http2MaxRequests: intFrom(1, 1_000_000),
                maxRequestsPerConnection: intFrom(0, 1_000_000),
            }),
        }),
        outlierDetection: z.strictObject({
            consecutive5xxErrors: intFrom(0, 1000),
            interval: duration,
            baseEjectionTime: duration,
            maxEjectionPercent: intFrom(0, 100),
            minHealthPercent: intFrom(0, 100),
        }),
        faults: z
            .strictObject({
                header: headerName,
                delay: z.strictObject({ percentage: percentage(), fixedDelay: duration }).optional(),
                abort: z.strictObject({ percentage: percentage(), httpStatus: intFrom(200, 599) }).optional(),
            })
            .optional(),
        // Connections each pod's PostgreSQL pool may open (DATABASE_POOL_MAX); the budget policy sums them.
        databasePoolSize: intFrom(1, 100),
        autoscaling: z.strictObject({
            enabled: flag,
            minReplicas: intFrom(1, 100),
            maxReplicas: intFrom(1, 100),
            targetCpuUtilization: intFrom(1, 100),
        }),
    })
    .superRefine((service, ctx) => {
        const versions = service.versions;
        const duplicate = versions.find((v, i) => versions.indexOf(v) !== i);
        if (duplicate) {
            ctx.addIssue({ code: "custom", path: ["versions"], input: versions, message: `lists ${duplicate} twice` });
        }
        if (service.canary) {
            for (const role of ["stable", "canary"] as const) {
                const name = service.canary[role];
                if (!versions.includes(name)) {
                    ctx.addIssue({ code: "custom", path: ["canary", role], input: name, message: `is not one of this service's versions (${versions.join(", ")})` });
                }
            }
            if (service.canary.stable === service.canary.canary) {
                ctx.addIssue({ code: "custom", path: ["canary", "canary"], input: service.canary.canary, message: "must differ from canary.stable" });
            }
        } else if (versions.length > 1) {
            ctx.addIssue({ code: "custom", path: ["canary"], input: undefined, message: `is required when a service runs ${versions.length} versions (${versions.join(", ")}): say which is stable and which gets the weight` });
        }
        if (service.faults && !service.faults.delay && !service.faults.abort) {
            ctx.addIssue({ code: "custom", path: ["faults"], input: service.faults, message: "needs a delay or an abort (or remove faults)" });
        }
        const scaling = service.autoscaling;
        if (scaling.enabled && scaling.minReplicas > scaling.maxReplicas) {
            ctx.addIssue({ code: "custom", path: ["autoscaling", "minReplicas"], input: scaling.minReplicas, message: `is more than autoscaling.maxReplicas (${scaling.maxReplicas})` });
        }
    });

export const stackConfigSchema = z
    .strictObject({
        environment: oneOf(["local", "dev", "prod"]),
        namespace: dnsLabel,
        cluster: z.strictObject({
            provider: oneOf(["aks", "existing"]),
            kubeconfigContext: z.string(says("is not a kubeconfig context name")).min(1).optional(),
            location: matching(/^[a-z0-9]+$/, "an Azure region name such as westeurope"),
            kubernetesVersion: matching(/^\d+\.\d+(\.\d+)?$/, "a pinned Kubernetes version such as 1.36 or 1.36.2"),
            systemPool: z.strictObject({ vmSize: matching(/^Standard_\w+$/, "an Azure VM size such as Standard_D4ds_v5"), count: intFrom(1, 100) }),
            userPool: z.strictObject({
                vmSize: matching(/^Standard_\w+$/, "an Azure VM size such as Standard_D4ds_v5"),
                minCount: intFrom(1, 1000),
                maxCount: intFrom(1, 1000),
            }),
            availabilityZones: z.array(matching(/^[1-3]$/, "an availability zone: 1, 2 or 3"), says("is not a list of availability zones")),
            disableLocalAccounts: flag,
            // The API server on a private endpoint: CI and admins reach it from the cluster's network.
            privateApiServer: flag,
            // Azure checks a role assignment's principal type: a user at a laptop, a service principal in CI.
            deployerPrincipalType: oneOf(["User", "ServicePrincipal"]),
            // How kubelogin gets Pulumi's token: the CLI session at a terminal; in CI the federated
            // token, which it fetches again per token (the CLI's expires, Azure/azure-cli#28708).
            kubeloginMode: oneOf(["azurecli", "workloadidentity"]).default("azurecli"),
            // AKS pricing tier: Free has no financially backed SLA; Standard is for production (aks-standard-tier).
            tier: oneOf(["Free", "Standard", "Premium"]).default("Free"),
            // With it, AKS's and PostgreSQL's resource logs go to a Log Analytics workspace kept this long.
            logRetentionDays: intFrom(30, 730).optional(),
            adminGroupObjectIds: z.array(
                matching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "an Entra ID group object id (a GUID)"),
                says("is not a list of Entra ID group object ids"),
            ),
        }),
        registry: z.strictObject({
            name: matching(/^[a-zA-Z0-9]{5,50}$/, "an ACR name: 5 to 50 letters and digits, no dashes").optional(),
            sku: oneOf(["Basic", "Standard", "Premium"]),
            privateEndpoint: flag,
        }),
        images: z.strictObject({
            registry: matching(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, "a registry host with an optional path, such as myacr.azurecr.io").optional(),
            tag: matching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "an image tag (letters, digits, '_', '.', '-')").refine((tag) => tag !== "latest", says("is not allowed: pin a tag such as a git SHA or a release number")),
            build: flag,
        }),
        istio: z.strictObject({
            version: istioVersion,
            // Revision-based control planes: components/istioRevisions.ts, README "Upgrade Istio".
            revision: revisionName.refine((name) => name !== "default", says('is reserved: "default" is the istiod without a revision (leave istio.revision unset for it)')).optional(),
            standbyRevisions: z
                .record(revisionName, istioVersion, {
                    error: (issue) => (issue.code === "invalid_key" ? "is not an Istio revision name (a lowercase DNS label such as 1-30-5)" : "is not a map of revision name to Istio version, such as { 1-30-5: 1.30.5 }"),
                })
                .optional(),
            chartRepository: matching(/^(https?|oci):\/\/\S+$/, "a Helm chart repository URL"),
            ingress: z.strictObject({
                serviceType: oneOf(["LoadBalancer", "NodePort", "ClusterIP"]),
                replicas: intFrom(1, 20),
                // Unset: edge.domain, else "*" (stacks/edge.ts edgeHosts).
                hosts: z.array(z.string(says("is not a host name")).min(1), says("is not a list of host names")).min(1, says("needs at least one host (use \"*\" for any)")).optional(),
                // The TLS Secret in the ingress namespace that edge.certificates writes and port 443 serves.
                tlsCredentialName: dnsLabel,
            }),
            tracing: z.strictObject({
                sampling: percentage(),
                collector: matching(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "the host name of an OpenTelemetry collector Service"),
            }),
            accessLog: flag,
        }),
        mtls: oneOf(["STRICT", "PERMISSIVE"]),
        // End-user tokens: the ingress gateway's RequestAuthentication (docs/security.md: Who may call what).
        auth: z.strictObject({
            issuer: matching(/^https?:\/\/\S+$/, "an issuer URL (the token's iss claim), such as https://<tenant-id>.ciamlogin.com/<tenant-id>/v2.0"),
            jwksUri: matching(/^https?:\/\/\S+$/, "a JWKS URL such as https://<tenant>.ciamlogin.com/<tenant-id>/discovery/v2.0/keys").optional(),
            // Istio wants the document as a string; a YAML mapping in the stack file is accepted too.
            jwks: z
                .union([z.string(), z.record(z.string(), z.unknown())], says('is not a JWKS document: JSON with a "keys" list'))
                .transform((value) => (typeof value === "string" ? value : JSON.stringify(value)))
                .refine(isJwks, says('is not a JWKS document: JSON with a "keys" list'))
                .optional(),
            audiences: z.array(z.string(says("is not an audience")).min(1), says("is not a list of audiences")).min(1, says("needs at least one audience (the API's client id)")),
        }),
        // Envoy's local rate limit at the ingress gateway: requests per interval per client address.
        rateLimit: z.strictObject({ enabled: flag, interval: duration, read: intFrom(1, 1_000_000), write: intFrom(1, 1_000_000) }),
        database: z.strictObject({
            ...databaseKeys({ intFrom, oneOf, matching, flag }),
            secretName: dnsLabel,
            // A secret: its form is checked by the services at start, where the value is visible.
            url: z.string(says("is not a connection URL")).min(1, says("is not a connection URL")).optional(),
        }),
        observability: observabilitySchema,
        // The deploy job's network, peered with the stack's (stacks/deployerSchema.ts).
        deployer: deployerSchema,
        edge: edgeSchema,
        // The services' chaos control (services/src/runtime/chaos.ts); the policy no-chaos-in-prod refuses it in prod.
        chaos: z.strictObject({ enabled: flag }),
        services: z.strictObject(Object.fromEntries(serviceNames.map((name) => [name, serviceSchema])) as Record<(typeof serviceNames)[number], typeof serviceSchema>),
    })
    .superRefine((config, ctx) => {
        if (config.cluster.provider === "existing" && !config.images.registry) {
            ctx.addIssue({ code: "custom", path: ["images", "registry"], input: undefined, message: "is required when cluster.provider is existing: there is no ACR to default to" });
        }
        if (config.cluster.provider === "existing" && config.images.build) {
            ctx.addIssue({ code: "custom", path: ["images", "build"], input: true, message: "needs cluster.provider aks: images are built and pushed into the stack's ACR" });
        }
        if (config.registry.privateEndpoint && config.registry.sku !== "Premium") {
            ctx.addIssue({ code: "custom", path: ["registry", "privateEndpoint"], input: true, message: `needs registry.sku Premium (${config.registry.sku} has no private endpoints)` });
        }
        if (config.cluster.provider === "aks" && !config.registry.name) {
            ctx.addIssue({ code: "custom", path: ["registry", "name"], input: undefined, message: "is required when cluster.provider is aks: ACR names are global, so pick one (5 to 50 letters and digits)" });
        }
        checkRevisions(config.istio, ctx);
        refineDatabase(config, ctx);
        if (Boolean(config.auth.jwksUri) === Boolean(config.auth.jwks)) {
            ctx.addIssue({ code: "custom", path: ["auth", "jwksUri"], input: config.auth.jwksUri, message: "set exactly one of auth.jwksUri and auth.jwks: where the gateway finds the issuer's keys" });
        }
        const pool = config.cluster.userPool;
        if (pool.minCount > pool.maxCount) {
            ctx.addIssue({ code: "custom", path: ["cluster", "userPool", "minCount"], input: pool.minCount, message: `is more than cluster.userPool.maxCount (${pool.maxCount})` });
        }
        for (const issue of observabilityIssues(config)) {
            ctx.addIssue({ code: "custom", ...issue });
        }
        for (const issue of deployerIssues(config)) {
            ctx.addIssue({ code: "custom", ...issue });
        }
        for (const issue of edgeIssues(config)) {
            ctx.addIssue({ code: "custom", ...issue });
        }
    });

/** Istio's canary upgrades span at most two minors; two control planes may not share a release. */
function checkRevisions(istio: { version: string; revision?: string; standbyRevisions?: Record<string, string> }, ctx: z.RefinementCtx): void {
    const minor = (version: string) => Number(version.split(".")[1]);
    for (const [name, version] of Object.entries(istio.standbyRevisions ?? {})) {
        const path = ["istio", "standbyRevisions", name];
        if (name === istio.revision) {
            ctx.addIssue({ code: "custom", path, input: version, message: `names the active revision (istio.revision ${istio.revision}): a standby is another control plane` });
        } else if (name === "default" && !istio.revision) {
            ctx.addIssue({ code: "custom", path, input: version, message: "needs istio.revision: without it the active istiod is the one without a revision (default)" });
        } else if (Math.abs(minor(version) - minor(istio.version)) > 2 && version.split(".")[0] === istio.version.split(".")[0]) {
            ctx.addIssue({ code: "custom", path, input: version, message: `is more than two minors from istio.version ${istio.version}: Istio's revision upgrades span at most two minors, so move through one in between (README "Upgrade Istio")` });
        }
    }
}

export type StackConfig = z.infer<typeof stackConfigSchema>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
