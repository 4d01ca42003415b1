// What `npm run dev -- --containers` hands to the engine: the local stack's Deployments,
// Secrets and ConfigMaps exactly as rendered, with only what a cluster would provide filled in.
// The names cluster DNS would resolve (`<service>.<ns>.svc.cluster.local`, the database host)
// become hostAliases to the engine network's gateway, where the router and PostgreSQL listen;
// container ports are not published on the host (podman would, a cluster does not).
// Kept pure so a test can check that nothing else changes.
import { DevError } from "./errors";

export type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [field: string]: unknown };

interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Probe {
    httpGet?: { path?: string; port: number | string };
}
interface Container {
    name: string;
    image: string;
    env?: EnvVar[];
    ports?: { name?: string; containerPort: number }[];
    startupProbe?: Probe;
    livenessProbe?: Probe;
    readinessProbe?: Probe;
}
interface PodSpec {
    containers: Container[];
    hostAliases?: { ip: string; hostnames: string[] }[];
}
export interface Deployment extends KubeObject {
    spec: { replicas?: number; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}

/** The kinds the container mode plays; the mesh objects (VirtualService, ...) have no engine to go to. */
export const playedKinds = ["Deployment", "Secret", "ConfigMap"] as const;

export interface ProbeTarget {
    readonly kind: "startup" | "liveness" | "readiness";
    readonly path: string;
    readonly port: number;
}

export interface Workload {
    /** The Deployment's name, e.g. product-v2. */
    readonly name: string;
    readonly service: string;
    readonly version: string;
    readonly replicas: number;
    readonly image: string;
    readonly container: string;
    /** The probes' paths and ports as rendered, named ports resolved. */
    readonly probes: readonly ProbeTarget[];
    readonly servingPort: number;
}

export interface ContainerPlan {
    /** Deployments (with hostAliases) and ConfigMaps, in the rendered order. */
    readonly play: readonly KubeObject[];
    readonly secrets: readonly KubeObject[];
    readonly workloads: readonly Workload[];
    /** Every host name mapped to the gateway. */
    readonly hostnames: readonly string[];
    /** DATABASE_URL as the Secret holds it. */
    readonly databaseUrl: string;
}

const clusterName = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.svc\.cluster\.local$/;

function hostOf(value: string): string | undefined {
    if (!URL.canParse(value)) return undefined;
    const host = new URL(value).hostname;
    return host || undefined;
}

export function secretValue(secret: KubeObject, key: string): string | undefined {
    const stringData = secret.stringData as Record<string, string> | undefined;
    const data = secret.data as Record<string, string> | undefined;
    if (stringData?.[key] !== undefined) return stringData[key];
    return data?.[key] === undefined ? undefined : Buffer.from(data[key], "base64").toString("utf8");
}

function probeTargets(container: Container): ProbeTarget[] {
    const portOf = (port: number | string) => {
        if (typeof port === "number") return port;
        const named = container.ports?.find((p) => p.name === port);
        if (!named) throw new DevError(`container ${container.name}: probe port "${port}" names no port of the container`);
        return named.containerPort;
    };
    const kinds = [
        ["startup", container.startupProbe],
        ["liveness", container.livenessProbe],
        ["readiness", container.readinessProbe],
    ] as const;
    return kinds.flatMap(([kind, probe]) => (probe?.httpGet ? [{ kind, path: probe.httpGet.path ?? "/", port: portOf(probe.httpGet.port) }] : []));
}

/**
 * Splits the rendered objects into what is played and what is a Secret, and maps the
 * cluster's names to `gateway`. The only other change is the ports, see below.
 */
export function planContainers(objects: readonly KubeObject[], gateway: string): ContainerPlan {
    const secrets = objects.filter((o) => o.kind === "Secret");
    const configMaps = objects.filter((o) => o.kind === "ConfigMap");
    const deployments = objects.filter((o): o is Deployment => o.kind === "Deployment");
    if (deployments.length === 0) throw new DevError("the rendered stack has no Deployment to run");

    const databaseRefs = new Set<string>();
    const hostnames = new Set<string>();
    for (const deployment of deployments) {
        for (const container of deployment.spec.template.spec.containers) {
            for (const env of container.env ?? []) {
                const host = env.value ? hostOf(env.value) : undefined;
                if (host && clusterName.test(host)) hostnames.add(host);
                const ref = env.valueFrom?.secretKeyRef;
                if (env.name === "DATABASE_URL" && ref) databaseRefs.add(`${ref.name}/${ref.key}`);
            }
        }
    }
    if (databaseRefs.size !== 1) throw new DevError(`expected every Deployment to read DATABASE_URL from one Secret key, found ${[...databaseRefs].join(", ") || "none"}`);
    const [secretName, key] = [...databaseRefs][0].split("/");
    const secret = secrets.find((s) => s.metadata.name === secretName);
    const databaseUrl = secret ? secretValue(secret, key) : undefined;
    if (!databaseUrl || !hostOf(databaseUrl)) throw new DevError(`Secret ${secretName} has no usable ${key}: set database.url in Pulumi.local.yaml`);
    hostnames.add(hostOf(databaseUrl)!);

    const hostAliases = [{ ip: gateway, hostnames: [...hostnames].sort() }];
    const play: KubeObject[] = [...configMaps];
    const workloads: Workload[] = [];
    for (const deployment of deployments) {
        const copy = structuredClone(deployment);
        const pod = copy.spec.template.spec;
        pod.hostAliases = [...(pod.hostAliases ?? []), ...hostAliases];
        play.push(copy);
        const [container] = deployment.spec.template.spec.containers;
        // podman 4 publishes every containerPort on the host (hostPort defaults to it), which
        // a cluster never does and which makes the second pod on 8080 fail: the played copy
        // leaves the ports out. Pods are reached on their own IP, as in a cluster; the probes'
        // named ports are resolved from the rendered container above.
        for (const played of pod.containers) delete played.ports;
        const labels = copy.spec.template.metadata.labels;
        const probes = probeTargets(container);
        const readiness = probes.find((p) => p.kind === "readiness");
        workloads.push({
            name: copy.metadata.name,
            service: labels.app,
            version: labels.version,
            replicas: copy.spec.replicas ?? 1,
            image: container.image,
            container: container.name,
            probes,
            servingPort: readiness?.port ?? container.ports?.[0]?.containerPort ?? 8080,
        });
    }
    return { play, secrets, workloads, hostnames: [...hostnames].sort(), databaseUrl };
}
