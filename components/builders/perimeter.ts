// The network perimeter of the application namespace as plain objects: what the mesh needs to
// reach (and be reached by) once everything else is denied, and the registry entries for what
// lives outside the mesh. MeshPerimeter turns them into resources; tests and docs read them.
import type * as k8s from "@pulumi/kubernetes";

/** The database, seen from the application namespace. */
export type DatabaseEndpoint =
    /** Outside the cluster (Azure Flexible Server, an external URL): a ServiceEntry and an ipBlock egress. */
    | { location: "external"; host: string; port: number; cidrs: string[] }
    /** In the cluster (CloudNativePG): already in the mesh registry, egress to its namespace. */
    | { location: "cluster"; namespace: string; port: number };

export interface PerimeterSpec {
    /** Port every app container listens on: the wire port of sidecar-to-sidecar traffic. */
    appPort: number;
    istioNamespace: string;
    ingressNamespace: string;
    /** `istio` label of the ingress gateway pods. */
    ingressSelector: string;
    database?: DatabaseEndpoint;
    /** Namespace of Prometheus and the OpenTelemetry collector. */
    observability?: { namespace: string; otlpPorts: number[] };
}

type Peer = Record<string, unknown>;
interface PortRule {
    protocol: "TCP" | "UDP";
    port: number;
}
interface Rule {
    peers: Peer[];
    ports: PortRule[];
}
export interface NetworkPolicySpec {
    name: string;
    /** Why the allow exists, for the README table. */
    purpose: string;
    ingress?: Rule[];
    egress?: Rule[];
}

/** Sidecar ports Prometheus scrapes: merged app + Envoy metrics on 15020, Envoy's own on 15090. */
export const sidecarMetricsPorts = [15020, 15090];
/** istiod's xDS and certificate port, which every sidecar dials. */
export const istiodXdsPort = 15012;

const inNamespace = (namespace: string, podLabels?: Record<string, string>): Peer => ({
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
    ...(podLabels ? { podSelector: { matchLabels: podLabels } } : {}),
});
const tcp = (...ports: number[]): PortRule[] => ports.map((port) => ({ protocol: "TCP", port }));

/** Deny everything, then one NetworkPolicy per flow the mesh needs. */
export function networkPolicies(spec: PerimeterSpec): NetworkPolicySpec[] {
    const samePods: Peer = { podSelector: {} };
    const policies: NetworkPolicySpec[] = [
        { name: "default-deny", purpose: "no traffic in or out unless a policy below allows it" },
        {
            name: "allow-dns",
            purpose: "name lookups (CoreDNS)",
            egress: [{ peers: [inNamespace("kube-system", { "k8s-app": "kube-dns" })], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }],
        },
        {
            name: "allow-istiod",
            purpose: "sidecars fetch config and certificates",
            egress: [{ peers: [inNamespace(spec.istioNamespace, { app: "istiod" })], ports: tcp(istiodXdsPort) }],
        },
        {
            name: "allow-mesh",
            purpose: "sidecar to sidecar inside the namespace",
            ingress: [{ peers: [samePods], ports: tcp(spec.appPort) }],
            egress: [{ peers: [samePods], ports: tcp(spec.appPort) }],
        },
        {
            name: "allow-ingress-gateway",
            purpose: "the ingress gateway reaches the services",
            ingress: [{ peers: [inNamespace(spec.ingressNamespace, { istio: spec.ingressSelector })], ports: tcp(spec.appPort) }],
        },
    ];
    const db = spec.database;
    if (db) {
        const peers = db.location === "external" ? db.cidrs.map((cidr) => ({ ipBlock: { cidr } })) : [inNamespace(db.namespace)];
        policies.push({ name: "allow-database", purpose: "the services reach PostgreSQL", egress: [{ peers, ports: tcp(db.port) }] });
    }
    const obs = spec.observability;
    if (obs) {
        policies.push({
            name: "allow-observability",
            purpose: "Prometheus scrapes the sidecars and apps; apps and sidecars send traces",
            ingress: [{ peers: [inNamespace(obs.namespace)], ports: tcp(...sidecarMetricsPorts, spec.appPort) }],
            egress: [{ peers: [inNamespace(obs.namespace)], ports: tcp(...obs.otlpPorts) }],
        });
    }
    return policies;
}

/** The `spec` of a NetworkPolicy: every pod of the namespace, both directions governed. */
export function networkPolicyObjectSpec(policy: NetworkPolicySpec): k8s.types.input.networking.v1.NetworkPolicySpec {
    const rules = (list: Rule[] | undefined, peerKey: "from" | "to") => list?.map((rule) => ({ [peerKey]: rule.peers, ports: rule.ports }));
    const ingress = rules(policy.ingress, "from");
    const egress = rules(policy.egress, "to");
    // default-deny names both types with no rules; an allow names only the directions it opens.
    const policyTypes = policy.ingress || policy.egress ? [...(ingress ? ["Ingress"] : []), ...(egress ? ["Egress"] : [])] : ["Ingress", "Egress"];
    return { podSelector: {}, policyTypes, ...(ingress ? { ingress } : {}), ...(egress ? { egress } : {}) };
}

export interface ServiceEntrySpec {
    name: string;
    spec: Record<string, unknown>;
}

const ipv4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Registry entries for what the mesh calls outside itself, so REGISTRY_ONLY lets exactly these through. */
export function serviceEntries(database: DatabaseEndpoint | undefined, jwksUri: string | undefined): ServiceEntrySpec[] {
    const entries: ServiceEntrySpec[] = [];
    if (database?.location === "external") {
        const port = { number: database.port, name: "tcp-postgres", protocol: "TCP" };
        // A TCP entry is matched on address and port; an IP host has no name to resolve.
        const spec = ipv4.test(database.host)
            ? { hosts: ["database.external"], addresses: [`${database.host}/32`], ports: [port], location: "MESH_EXTERNAL", resolution: "STATIC", endpoints: [{ address: database.host }] }
            : { hosts: [database.host], ports: [port], location: "MESH_EXTERNAL", resolution: "DNS" };
        entries.push({ name: "database", spec: { ...spec, exportTo: ["."] } });
    }
    if (jwksUri) {
        const url = new URL(jwksUri);
        const port = Number(url.port || (url.protocol === "http:" ? 80 : 443));
        entries.push({
            name: "identity-provider",
            spec: {
                hosts: [url.hostname],
                ports: [url.protocol === "http:" ? { number: port, name: "http", protocol: "HTTP" } : { number: port, name: "tls", protocol: "TLS" }],
                location: "MESH_EXTERNAL",
                resolution: "DNS",
                // The ingress gateway (another namespace) validates tokens against this host.
                exportTo: ["*"],
            },
        });
    }
    return entries;
}
