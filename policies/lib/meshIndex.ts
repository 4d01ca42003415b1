// A typed index over a stack's resources, built once per stack validation, so each mesh rule
// reads "the DestinationRules for this host" or "the pods this subset selects" in one line.

import { asArray, asObject, asString, isPlain, k8sObject, type K8sObject, materialize, type Plain, podTemplate, type PodTemplate, resolveHost, selects, serviceFqdn } from "./k8s";
import type { StackResource } from "./types";

export interface Workload {
    object: K8sObject;
    pod: PodTemplate;
    /** Replicas the workload is guaranteed: the HPA's minReplicas when one scales it, else spec.replicas (1 when unset). */
    minReplicas: number;
    /** HPA scaling it, if any. */
    hpa?: K8sObject;
}

export interface HelmRelease {
    urn: string;
    name: string;
    chart: string;
    /** The pinned chart version, when the release names one. */
    version?: string;
    namespace: string;
    values: Plain;
}

export interface Destination {
    routeName: string;
    routeIndex: number;
    protocol: string;
    host: string;
    subset?: string;
    weight?: number;
}

export class MeshIndex {
    readonly objects: K8sObject[] = [];
    readonly others: { resource: StackResource; props: Plain }[] = [];
    readonly helmReleases: HelmRelease[] = [];
    private readonly byKindMap = new Map<string, K8sObject[]>();
    private readonly servicesByFqdn = new Map<string, K8sObject>();
    readonly workloads: Workload[] = [];

    constructor(resources: readonly StackResource[]) {
        for (const resource of resources) {
            const props = asObject(materialize(resource.props));
            const object = k8sObject(resource, props);
            if (object) {
                this.objects.push(object);
                const list = this.byKindMap.get(object.kind) ?? [];
                list.push(object);
                this.byKindMap.set(object.kind, list);
            } else if (resource.type === "kubernetes:helm.sh/v3:Release" || resource.type === "kubernetes:helm.sh/v4:Chart") {
                this.helmReleases.push({
                    urn: resource.urn,
                    name: asString(props.name) ?? resource.name,
                    chart: asString(props.chart) ?? "",
                    version: asString(props.version),
                    namespace: asString(props.namespace) ?? "default",
                    values: asObject(props.values),
                });
            } else {
                this.others.push({ resource, props });
            }
        }
        for (const service of this.kind("Service")) {
            this.servicesByFqdn.set(serviceFqdn(service.namespace, service.name), service);
        }
        const hpas = this.kind("HorizontalPodAutoscaler");
        for (const object of this.objects) {
            const pod = podTemplate(object);
            if (!pod) {
                continue;
            }
            const hpa = hpas.find((candidate) => {
                const target = asObject(candidate.spec.scaleTargetRef);
                return candidate.namespace === object.namespace && target.kind === object.kind && target.name === object.name;
            });
            const declared = typeof object.spec.replicas === "number" ? object.spec.replicas : 1;
            const hpaMin = typeof hpa?.spec.minReplicas === "number" ? hpa.spec.minReplicas : undefined;
            const minReplicas = object.kind === "Pod" ? 1 : (hpaMin ?? declared);
            this.workloads.push({ object, pod, minReplicas, ...(hpa ? { hpa } : {}) });
        }
    }

    kind(kind: string): K8sObject[] {
        return this.byKindMap.get(kind) ?? [];
    }

    /** Every HTTP route of every VirtualService, with the VirtualService it belongs to. */
    virtualServiceRoutes(): { vs: K8sObject; route: Plain; index: number; name: string }[] {
        return this.kind("VirtualService").flatMap((vs) => httpRoutes(vs).map((route) => ({ vs, ...route })));
    }

    /** Resources that are not Kubernetes objects, by type token. */
    ofType(type: string): { resource: StackResource; props: Plain }[] {
        return this.others.filter((entry) => entry.resource.type === type);
    }

    /** The Service a host in an Istio object (in `namespace`) resolves to, if the stack has it. */
    service(host: string, namespace: string): K8sObject | undefined {
        return this.servicesByFqdn.get(resolveHost(host, namespace));
    }

    /** Workloads whose pods a Service selects. */
    workloadsOfService(service: K8sObject): Workload[] {
        const selector = asObject(service.spec.selector);
        return this.workloads.filter((workload) => workload.object.namespace === service.namespace && selects(selector, workload.pod.labels));
    }

    /**
     * Workloads behind a DestinationRule subset: pods of the host's Service that also carry the
     * subset's labels (Istio intersects the two).
     */
    workloadsOfSubset(service: K8sObject, subsetLabels: Record<string, unknown>): Workload[] {
        const labels = Object.entries(subsetLabels);
        return this.workloadsOfService(service).filter((workload) => labels.every(([key, value]) => workload.pod.labels[key] === value));
    }

    /** DestinationRules whose host resolves to the FQDN. */
    destinationRulesFor(fqdn: string): K8sObject[] {
        return this.kind("DestinationRule").filter((rule) => resolveHost(String(rule.spec.host ?? ""), rule.namespace) === fqdn);
    }

    /** Gateways a VirtualService binds to, resolved: "mesh" stays "mesh", `name` means the VS namespace. */
    gatewayRefs(virtualService: K8sObject): string[] {
        const gateways = asArray<string>(virtualService.spec.gateways).filter((entry) => typeof entry === "string");
        if (gateways.length === 0) {
            return ["mesh"];
        }
        return gateways.map((entry) => (entry === "mesh" || entry.includes("/") ? entry : `${virtualService.namespace}/${entry}`));
    }

    gateway(refName: string): K8sObject | undefined {
        const [namespace, name] = refName.split("/");
        return this.kind("Gateway").find((gateway) => gateway.namespace === namespace && gateway.name === name);
    }

    /** Whether a ServiceEntry of the stack declares the host (external or mesh-external services). */
    serviceEntryDeclares(host: string): boolean {
        return this.kind("ServiceEntry").some((entry) => asArray<string>(entry.spec.hosts).some((pattern) => typeof pattern === "string" && (pattern === host || (pattern.startsWith("*.") && host.endsWith(pattern.slice(1))))));
    }

    namespace(name: string): K8sObject | undefined {
        return this.kind("Namespace").find((ns) => ns.name === name);
    }

    /** Every destination of a VirtualService's HTTP, TLS and TCP routes, with the route it belongs to. */
    destinations(virtualService: K8sObject): Destination[] {
        const out: Destination[] = [];
        for (const protocol of ["http", "tls", "tcp"]) {
            asArray(virtualService.spec[protocol]).forEach((route: unknown, routeIndex) => {
                const routeObject = asObject(route);
                const routeName = asString(routeObject.name) ?? `${protocol}[${routeIndex}]`;
                for (const entry of asArray(routeObject.route)) {
                    const destination = asObject(asObject(entry).destination);
                    const host = asString(destination.host);
                    if (host) {
                        const weight = asObject(entry).weight;
                        out.push({
                            routeName,
                            routeIndex,
                            protocol,
                            host,
                            ...(typeof destination.subset === "string" ? { subset: destination.subset } : {}),
                            ...(typeof weight === "number" ? { weight } : {}),
                        });
                    }
                }
                const mirror = asObject(routeObject.mirror);
                if (typeof mirror.host === "string") {
                    out.push({ routeName, routeIndex, protocol, host: mirror.host, ...(typeof mirror.subset === "string" ? { subset: mirror.subset } : {}) });
                }
            });
        }
        return out;
    }

    /** The mesh-wide root namespace of Istio (where mesh-wide PeerAuthentication lives). */
    static readonly rootNamespace = "istio-system";
}

/** HTTP routes of a VirtualService with their index and display name. */
export function httpRoutes(virtualService: K8sObject): { route: Plain; index: number; name: string }[] {
    return asArray(virtualService.spec.http)
        .filter(isPlain)
        .map((route, index) => ({ route, index, name: asString(route.name) ?? `http[${index}]` }));
}

const indexCache = new WeakMap<readonly StackResource[], MeshIndex>();

/** One index per resource list: every stack policy of a run shares it. */
export function meshIndex(resources: readonly StackResource[]): MeshIndex {
    let index = indexCache.get(resources);
    if (!index) {
        index = new MeshIndex(resources);
        indexCache.set(resources, index);
    }
    return index;
}
