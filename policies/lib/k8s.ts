// Kubernetes objects as the rules see them: kind, namespace and name read from a Pulumi
// resource, the pod template of any workload kind, and Istio's host names.

import type { StackResource } from "./types";

/** Stands in for a value Pulumi does not know yet during a preview (a computed output). */
export const unknown: unique symbol = Symbol("unknown during preview");

/**
 * A plain copy of a resource's properties. During a preview the policy SDK wraps properties in a
 * proxy that throws on computed values; a rule over the whole stack must not stop at the first
 * one, so those become `unknown` and each rule skips what it cannot judge yet.
 */
export function materialize(value: unknown, depth = 0): unknown {
    if (depth > 40 || value === null || typeof value !== "object") {
        return value;
    }
    if (Array.isArray(value)) {
        const out: unknown[] = [];
        for (let i = 0; i < safeLength(value); i++) {
            out.push(read(() => materialize(value[i], depth + 1)));
        }
        return out;
    }
    const out: Record<string, unknown> = {};
    for (const key of read(() => Object.keys(value)) as string[]) {
        out[key] = read(() => materialize((value as Record<string, unknown>)[key], depth + 1));
    }
    return out;
}

function safeLength(array: unknown[]): number {
    const length = read(() => array.length);
    return typeof length === "number" ? length : 0;
}

function read(get: () => unknown): unknown {
    try {
        return get();
    } catch (error) {
        if (isUnknownValueError(error)) {
            return unknown;
        }
        throw error;
    }
}

function isUnknownValueError(error: unknown): boolean {
    return error instanceof Error && (error.constructor?.name === "UnknownValueError" || error.name === "UnknownValueError");
}

export type Plain = Record<string, any>;

export const isPlain = (value: unknown): value is Plain => typeof value === "object" && value !== null && !Array.isArray(value);
export const asArray = <T = any>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);
export const asObject = (value: unknown): Plain => (isPlain(value) ? value : {});
export const asString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
export const isKnown = (value: unknown): boolean => value !== unknown;

export interface K8sObject {
    /** Pulumi identity. */
    urn: string;
    resourceName: string;
    type: string;
    /** `Deployment`, `VirtualService`, ... */
    kind: string;
    /** `apps/v1`, `networking.istio.io/v1`, ... */
    apiVersion: string;
    namespace: string;
    name: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    spec: Plain;
    props: Plain;
    /** True for objects read from the cluster (`.get`) rather than managed by the stack. */
    read: boolean;
}

const clusterScoped = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "PersistentVolume", "StorageClass"]);

/** The Kubernetes object a Pulumi resource manages, or undefined for anything else. */
export function k8sObject(resource: StackResource, props: Plain): K8sObject | undefined {
    const match = /^kubernetes:([^:]+):([A-Za-z0-9]+)$/.exec(resource.type);
    if (!match || match[1].startsWith("helm.sh") || resource.type.startsWith("kubernetes:yaml") || match[1] === "index") {
        return undefined;
    }
    const [, apiVersionFromType, kindFromType] = match;
    const kind = asString(props.kind) ?? kindFromType;
    const meta = asObject(props.metadata);
    const readId = asString((resource as { readId?: string }).readId);
    const [readNs, readName] = readId?.includes("/") ? readId.split("/") : [undefined, readId];
    return {
        urn: resource.urn,
        resourceName: resource.name,
        type: resource.type,
        kind,
        apiVersion: asString(props.apiVersion) ?? apiVersionFromType.replace(/^core\//, ""),
        namespace: clusterScoped.has(kind) ? "" : (asString(meta.namespace) ?? readNs ?? "default"),
        name: asString(meta.name) ?? readName ?? resource.name,
        labels: stringMap(meta.labels),
        annotations: stringMap(meta.annotations),
        spec: asObject(props.spec),
        props,
        read: readId !== undefined,
    };
}

function stringMap(value: unknown): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, entry] of Object.entries(asObject(value))) {
        if (typeof entry === "string") {
            out[key] = entry;
        }
    }
    return out;
}

/** `Kind namespace/name`, how every message names an object. */
export function ref(object: Pick<K8sObject, "kind" | "namespace" | "name">): string {
    return object.namespace ? `${object.kind} ${object.namespace}/${object.name}` : `${object.kind} ${object.name}`;
}

export interface PodTemplate {
    labels: Record<string, string>;
    annotations: Record<string, string>;
    spec: Plain;
}

/** The pod template of a workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod). */
export function podTemplate(object: K8sObject): PodTemplate | undefined {
    let template: Plain | undefined;
    switch (object.kind) {
        case "Deployment":
        case "StatefulSet":
        case "DaemonSet":
        case "ReplicaSet":
        case "Job":
            template = asObject(object.spec.template);
            break;
        case "CronJob":
            template = asObject(asObject(asObject(object.spec.jobTemplate).spec).template);
            break;
        case "Pod":
            template = { metadata: object.props.metadata, spec: object.spec };
            break;
        default:
            return undefined;
    }
    const meta = asObject(template.metadata);
    return { labels: stringMap(meta.labels), annotations: stringMap(meta.annotations), spec: asObject(template.spec) };
}

export interface ContainerRef {
    container: Plain;
    name: string;
    init: boolean;
}

export function containersOf(spec: Plain): ContainerRef[] {
    return [
        ...asArray(spec.initContainers).map((container) => ({ container: asObject(container), name: String(asObject(container).name ?? "?"), init: true })),
        ...asArray(spec.containers).map((container) => ({ container: asObject(container), name: String(asObject(container).name ?? "?"), init: false })),
    ];
}

/** Whether every key/value of `selector` is among `labels` (an empty selector selects nothing here). */
export function selects(selector: Record<string, unknown>, labels: Record<string, string>): boolean {
    const entries = Object.entries(selector);
    return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

/**
 * The FQDN a host in an Istio object stands for, the way Istio resolves it: a short name is a
 * Service in the object's namespace, `name.ns` and `name.ns.svc` are completed with the cluster
 * domain, anything else (external names, wildcards) is returned unchanged.
 */
export function resolveHost(host: string, namespace: string, clusterDomain = "cluster.local"): string {
    if (host.includes("*")) {
        return host;
    }
    const parts = host.split(".");
    if (parts.length === 1) {
        return `${host}.${namespace}.svc.${clusterDomain}`;
    }
    if (parts.length === 2) {
        return `${host}.svc.${clusterDomain}`;
    }
    if (parts.length === 3 && parts[2] === "svc") {
        return `${host}.${clusterDomain}`;
    }
    return host;
}

export function serviceFqdn(namespace: string, name: string, clusterDomain = "cluster.local"): string {
    return `${name}.${namespace}.svc.${clusterDomain}`;
}

/** Whether a VirtualService/Gateway host pattern covers a host (`*`, `*.example.com`, exact). */
export function hostMatches(pattern: string, host: string): boolean {
    if (pattern === "*" || pattern === host) {
        return true;
    }
    if (pattern.startsWith("*.")) {
        return host.endsWith(pattern.slice(1));
    }
    if (host.startsWith("*.")) {
        return pattern.endsWith(host.slice(1));
    }
    return false;
}
