// Sorts a capture into what the render writes: Kubernetes objects (as manifests), Helm
// releases, Azure resources and everything else, with secrets replaced by placeholders.
import { type Capture, type CapturedResource } from "../capture/capture";

// Pulumi's wire markers (see @pulumi/pulumi runtime/rpc): a map carrying specialSigKey is a
// secret, a resource reference, an asset or an archive rather than plain data.
const specialSigKey = "4dabf18193072939515e22adb298388d";
const specialSecretSig = "1b47061264138c4ac30d75fd1eb44270";
const specialResourceSig = "5cf8f73096256a8f31e491e813e4eb8e";
export const secretText = "[secret]";

export interface KubeObject {
    apiVersion: string;
    kind: string;
    /** Undefined for cluster-scoped objects. */
    namespace?: string;
    name: string;
    /** The object as `kubectl apply` takes it. */
    manifest: Record<string, unknown>;
    /** Path of its own file under the render dir. */
    file: string;
    /** Pulumi resource name and type, for reports. */
    resourceName: string;
    resourceType: string;
}

export interface HelmRelease {
    name: string;
    namespace: string;
    chart: string;
    version?: string;
    repo?: string;
    values: Record<string, unknown>;
    /** Every other input (atomic, timeout, ...). */
    options: Record<string, unknown>;
}

export interface OtherResource {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    /** Set for resources the program reads (`.get`) instead of creating. */
    readId?: string;
}

export interface RenderModel {
    project: string;
    stack: string;
    /** Every resource the program registered, components included. */
    resourceCount: number;
    kubernetes: KubeObject[];
    helmReleases: HelmRelease[];
    azure: OtherResource[];
    /** Providers, read-only lookups and anything not Kubernetes, Helm or Azure. */
    other: OtherResource[];
}

export function buildModel(capture: Capture): RenderModel {
    const kubernetes: KubeObject[] = [];
    const helmReleases: HelmRelease[] = [];
    const azure: OtherResource[] = [];
    const other: OtherResource[] = [];
    for (const resource of capture.resources) {
        if (!resource.custom) {
            continue; // components carry no inputs of their own
        }
        const inputs = maskSensitive(resource.type, maskSecrets(resource.markedInputs) as Record<string, unknown>);
        if (resource.readId !== undefined) {
            other.push({ type: resource.type, name: resource.name, inputs, readId: resource.readId });
        } else if (resource.type.startsWith("kubernetes:helm.sh/")) {
            helmReleases.push(helmRelease(resource, inputs));
        } else if (resource.type.startsWith("kubernetes:") && typeof inputs.kind === "string") {
            kubernetes.push(kubeObject(resource, inputs));
        } else if (resource.type.startsWith("azure-native:")) {
            azure.push({ type: resource.type, name: resource.name, inputs });
        } else {
            other.push({ type: resource.type, name: resource.name, inputs });
        }
    }
    kubernetes.sort(compareApplyOrder);
    helmReleases.sort((a, b) => compareText(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`));
    const byTypeName = (a: OtherResource, b: OtherResource) => compareText(`${a.type} ${a.name}`, `${b.type} ${b.name}`);
    azure.sort(byTypeName);
    other.sort(byTypeName);
    return { project: capture.project, stack: capture.stack, resourceCount: capture.resources.length, kubernetes, helmReleases, azure, other };
}

function kubeObject(resource: CapturedResource, inputs: Record<string, unknown>): KubeObject {
    const metadata = (inputs.metadata ?? {}) as { name?: unknown; namespace?: unknown };
    const apiVersion = String(inputs.apiVersion ?? "");
    const kind = String(inputs.kind);
    // Without metadata.name Pulumi would auto-name the object with a random suffix.
    const name = typeof metadata.name === "string" ? metadata.name : resource.name;
    const namespace = typeof metadata.namespace === "string" ? metadata.namespace : undefined;
    const file = `kubernetes/${namespace ?? "_cluster"}/${kind.toLowerCase()}-${name}.yaml`;
    return { apiVersion, kind, namespace, name, manifest: inputs, file, resourceName: resource.name, resourceType: resource.type };
}

function helmRelease(resource: CapturedResource, inputs: Record<string, unknown>): HelmRelease {
    // `compat` is a marker the Pulumi SDK adds, not something a user chose.
    const { name, namespace, chart, version, repositoryOpts, values, compat: _compat, ...options } = inputs;
    const repo = (repositoryOpts as { repo?: unknown } | undefined)?.repo;
    return {
        name: typeof name === "string" ? name : resource.name,
        namespace: typeof namespace === "string" ? namespace : "default",
        chart: String(chart ?? ""),
        ...(typeof version === "string" ? { version } : {}),
        ...(typeof repo === "string" ? { repo } : {}),
        values: (values ?? {}) as Record<string, unknown>,
        options,
    };
}

/**
 * Replaces every secret with `[secret]`, keeping the shape of structured secrets (a secret
 * map keeps its keys) so a masked Secret still matches its schema. Resource references
 * become their URN.
 */
export function maskSecrets(value: unknown, secret = false): unknown {
    if (Array.isArray(value)) {
        return value.map((item) => maskSecrets(item, secret));
    }
    if (typeof value === "object" && value !== null) {
        const record = value as Record<string, unknown>;
        if (record[specialSigKey] === specialSecretSig) {
            return maskSecrets(record.value, true);
        }
        if (record[specialSigKey] === specialResourceSig) {
            return record.urn;
        }
        return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, maskSecrets(v, secret)]));
    }
    return secret && value !== null && value !== undefined ? secretText : value;
}

// Keys whose values are credentials wherever they appear (Azure and provider inputs).
const sensitiveKeys = new Set(["kubeconfig", "password", "adminPassword", "clientSecret", "clientKey", "connectionString", "token", "secretValue", "primaryKey", "secondaryKey"]);

/**
 * Masks what is secret by its place as well as by Pulumi's secret marker: the data of a
 * Kubernetes Secret and credential-named inputs stay hidden even if the program forgot to
 * mark them with pulumi.secret().
 */
export function maskSensitive(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
    const masked: Record<string, unknown> = maskKeys(inputs) as Record<string, unknown>;
    if (type === "kubernetes:core/v1:Secret") {
        for (const field of ["data", "stringData"]) {
            if (masked[field] !== undefined) {
                masked[field] = maskSecrets(masked[field], true);
            }
        }
    }
    return masked;
}

function maskKeys(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(maskKeys);
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sensitiveKeys.has(k) ? maskSecrets(v, true) : maskKeys(v)]));
    }
    return value;
}

// Apply order: namespaces, then objects that need no CRD (identities and config before the
// workloads that mount them, Services before Deployments), then Istio objects once its CRDs
// (the istio-base release) exist: mesh-wide security first, DestinationRules before the
// VirtualServices whose subsets they define.
const kindOrder = [
    "Namespace",
    "ServiceAccount", "Secret", "ConfigMap", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding", "NetworkPolicy",
    "Service", "Deployment", "StatefulSet", "DaemonSet", "PodDisruptionBudget", "HorizontalPodAutoscaler",
    "PeerAuthentication", "RequestAuthentication", "AuthorizationPolicy", "Telemetry",
    "ServiceEntry", "Sidecar", "Gateway", "DestinationRule", "VirtualService",
];

export function applyRank(object: Pick<KubeObject, "apiVersion" | "kind">): number {
    const known = kindOrder.indexOf(object.kind);
    if (known >= 0) {
        return known;
    }
    // Unlisted kinds: core ones after the listed core kinds, custom ones last.
    return object.apiVersion.includes(".") ? kindOrder.length + 1 : kindOrder.indexOf("PeerAuthentication") - 0.5;
}

function compareApplyOrder(a: KubeObject, b: KubeObject): number {
    return applyRank(a) - applyRank(b) || compareText(a.kind, b.kind) || compareText(a.namespace ?? "", b.namespace ?? "") || compareText(a.name, b.name);
}

/** Code-unit order: the same on every machine, whatever its locale. */
export function compareText(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

/** Human name of an object in reports: `VirtualService ecommerce/product`. */
export function objectLabel(object: Pick<KubeObject, "kind" | "namespace" | "name">): string {
    return `${object.kind} ${object.namespace ? `${object.namespace}/` : ""}${object.name}`;
}
