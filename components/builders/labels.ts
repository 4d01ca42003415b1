// Label sets shared by every object of a service, so selectors and policies agree.

export const partOf = "ecommerce-mesh";

/** Labels Istio and Kubernetes tooling read: `app`/`version` for Istio telemetry and subsets. */
export function workloadLabels(service: string, version: string): Record<string, string> {
    return {
        app: service,
        version,
        "app.kubernetes.io/name": service,
        "app.kubernetes.io/version": version,
        "app.kubernetes.io/part-of": partOf,
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

/** Labels on objects that span versions (Service, ServiceAccount, mesh config). */
export function serviceLabels(service: string): Record<string, string> {
    return {
        app: service,
        "app.kubernetes.io/name": service,
        "app.kubernetes.io/part-of": partOf,
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

/** Pods of one version of one service. */
export function versionSelector(service: string, version: string): Record<string, string> {
    return { app: service, version };
}

export function serviceHost(service: string, namespace: string): string {
    return `${service}.${namespace}.svc.cluster.local`;
}
