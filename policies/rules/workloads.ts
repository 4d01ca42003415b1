// Workload hardening: probes, resources, pinned images from the stack's registry, a restricted
// security context, no host access, sidecar injection, availability in prod and no stray
// external Services. Pod checks read the pod template of any workload kind.

import { asArray, asObject, asString, containersOf, type ContainerRef, isKnown, k8sObject, type K8sObject, materialize, type Plain, podTemplate, type PodTemplate, ref, selects } from "../lib/k8s";
import { meshIndex, type Workload } from "../lib/meshIndex";
import { report } from "../lib/report";
import type { ReportViolation, ResourceArgs, ResourcePolicy, StackPolicy } from "../lib/types";

/** Runs `check` on the pod template of a workload resource; other resources are skipped. */
function forPod(check: (object: K8sObject, pod: PodTemplate, reportViolation: ReportViolation, args: ResourceArgs) => void) {
    return (args: ResourceArgs, reportViolation: ReportViolation) => {
        const object = k8sObject(args, asObject(materialize(args.props)));
        const pod = object && podTemplate(object);
        if (object && pod) {
            check(object, pod, reportViolation, args);
        }
    };
}

const where = (object: K8sObject, c: ContainerRef) => `${ref(object)}: ${c.init ? "init container" : "container"} "${c.name}"`;

export const podProbes: ResourcePolicy = {
    name: "pod-probes",
    description:
        "Every app container of a long-running workload has a liveness and a readiness probe, and they differ (an identical pair restarts a pod that is merely busy instead of taking it out of rotation). Jobs and CronJobs run to completion and serve nothing, so they need neither. Equivalent: Kyverno best-practices require-probes (and its 'probes not equal' variant), Gatekeeper K8sRequiredProbes.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: forPod((object, pod, reportViolation) => {
        if (object.kind === "Job" || object.kind === "CronJob") return;
        for (const c of containersOf(pod.spec).filter((entry) => !entry.init)) {
            const missing = ["livenessProbe", "readinessProbe"].filter((probe) => !c.container[probe]);
            if (missing.length) {
                report(reportViolation, {
                    message: `${where(object, c)} has no ${missing.join(" or ")}`,
                    fix: `Add ${missing.join(" and ")} (e.g. httpGet on /health/live and /health/ready).`,
                });
            } else if (JSON.stringify(c.container.livenessProbe) === JSON.stringify(c.container.readinessProbe)) {
                report(reportViolation, {
                    message: `${where(object, c)} uses the same liveness and readiness probe, so a pod that is only overloaded gets restarted`,
                    fix: `Point readiness at a check of dependencies (/health/ready) and liveness at a process check (/health/live), with different thresholds.`,
                });
            }
        }
    }),
};

export const podResources: ResourcePolicy = {
    name: "pod-resources",
    description:
        "Every container sets cpu and memory requests and limits, so scheduling, HPA utilisation and eviction work. Equivalent: Kyverno best-practices require-requests-limits, Gatekeeper K8sRequiredResources / K8sContainerLimits.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: forPod((object, pod, reportViolation) => {
        for (const c of containersOf(pod.spec)) {
            const resources = asObject(c.container.resources);
            const missing = ["requests", "limits"].flatMap((kind) => ["cpu", "memory"].filter((r) => asObject(resources[kind])[r] === undefined).map((r) => `${kind}.${r}`));
            if (missing.length) {
                report(reportViolation, {
                    message: `${where(object, c)} sets no ${missing.join(", ")}`,
                    fix: `Set resources.requests and resources.limits for cpu and memory (stack config services.<svc>.resources).`,
                });
            }
        }
    }),
};

export interface ImageRef {
    registry?: string;
    repository: string;
    tag?: string;
    digest?: string;
}

/** Splits an image reference into registry, repository, tag and digest (Docker's rules). */
export function parseImage(image: string): ImageRef {
    const [withoutDigest, digest] = image.split("@");
    const slash = withoutDigest.indexOf("/");
    const first = slash >= 0 ? withoutDigest.slice(0, slash) : "";
    const hasRegistry = slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost");
    const rest = hasRegistry ? withoutDigest.slice(slash + 1) : withoutDigest;
    const colon = rest.lastIndexOf(":");
    const tag = colon > rest.lastIndexOf("/") && colon >= 0 ? rest.slice(colon + 1) : undefined;
    return {
        ...(hasRegistry ? { registry: first } : {}),
        repository: tag !== undefined ? rest.slice(0, colon) : rest,
        ...(tag !== undefined ? { tag } : {}),
        ...(digest ? { digest } : {}),
    };
}

export const imagePinned: ResourcePolicy = {
    name: "image-pinned-tag",
    description:
        "Every image is pinned: a tag other than `latest`, or a digest. An untagged or `latest` image changes under a running Deployment and makes rollbacks lie. Equivalent: Kyverno best-practices disallow-latest-tag, Gatekeeper K8sDisallowedTags.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: forPod((object, pod, reportViolation) => {
        for (const c of containersOf(pod.spec)) {
            const image = c.container.image;
            if (!isKnown(image)) {
                continue; // computed during preview (e.g. the registry is created in the same update)
            }
            if (typeof image !== "string" || image === "") {
                report(reportViolation, { message: `${where(object, c)} has no image`, fix: `Set an image pinned to a release tag or digest.` });
                continue;
            }
            const parsed = parseImage(image);
            if (!parsed.digest && (parsed.tag === undefined || parsed.tag === "latest")) {
                report(reportViolation, {
                    message: `${where(object, c)} runs image "${image}", ${parsed.tag === "latest" ? "tagged latest" : "with no tag"} (not pinned)`,
                    fix: `Pin the image to a release tag or git SHA (stack config images.tag), or to a digest.`,
                });
            }
        }
    }),
};

const digestPinned = /@sha256:[0-9a-f]{64}$/;

export const imagePinnedByDigest: ResourcePolicy = {
    name: "image-pinned-by-digest",
    description:
        "Every image is pinned by digest (`@sha256:`), as images.build gives every Deployment: a tag can be pushed again, so a digest is the only reference that names one image, and one that exists (the image is built and pushed before the workload that pulls it). A computed reference (an image this program builds, during a preview) passes. Mandatory in prod. Equivalent: Kyverno best-practices require-image-digest (verify-image digest), Gatekeeper K8sImageDigests.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: forPod((object, pod, reportViolation) => {
        for (const c of containersOf(pod.spec)) {
            const image = c.container.image;
            if (isKnown(image) && typeof image === "string" && !digestPinned.test(image)) {
                report(reportViolation, {
                    message: `${where(object, c)} runs image "${image}", not pinned by digest`,
                    fix: `Set images.build: true so the program builds, pushes and pins the image, or reference it as <registry>/<repository>@sha256:<digest>.`,
                });
            }
        }
    }),
};

/** Registries the stack may pull from: configured ones plus the login server of each ACR the stack creates. */
function allowedRegistries(args: { getConfig<T extends object>(): T }, acrs: { props: Plain }[]): string[] {
    const { allowedRegistries: configured = [], includeStackRegistries = true } = args.getConfig<{ allowedRegistries?: string[]; includeStackRegistries?: boolean }>();
    const fromStack = includeStackRegistries
        ? acrs.map(({ props }) => asString(props.loginServer) ?? (asString(props.registryName) ? `${asString(props.registryName)!.toLowerCase()}.azurecr.io` : undefined)).filter((s): s is string => !!s)
        : [];
    return [...configured, ...fromStack];
}

export const imageAllowedRegistry: StackPolicy = {
    name: "image-allowed-registry",
    description:
        "Every image comes from an allowed registry: the policy config `allowedRegistries` plus the login server of each Azure Container Registry the stack creates (`includeStackRegistries`). Equivalent: Kyverno best-practices restrict-image-registries, Gatekeeper K8sAllowedRepos.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: {
        properties: {
            allowedRegistries: { type: "array", items: { type: "string" }, default: [], description: "Registry hosts (optionally with a path) images may come from, e.g. localhost:5001." },
            includeStackRegistries: { type: "boolean", default: true, description: "Also allow the login server of every ACR this stack creates." },
        },
    },
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        const allowed = allowedRegistries(args, index.ofType("azure-native:containerregistry:Registry"));
        for (const { object, pod } of index.workloads) {
            for (const c of containersOf(pod.spec)) {
                const image = c.container.image;
                if (typeof image !== "string") {
                    continue;
                }
                const ok = allowed.some((registry) => image.startsWith(`${registry}/`));
                if (!ok) {
                    report(reportViolation, {
                        urn: object.urn,
                        message: `${where(object, c)} pulls "${image}" from ${parseImage(image).registry ?? "Docker Hub"}, which is not an allowed registry (${allowed.join(", ") || "none configured"})`,
                        fix: `Push the image to the stack's registry and reference it there (stack config images.registry), or add the registry to allowedRegistries in policies/config/<env>.json.`,
                    });
                }
            }
        }
    },
};

const istioProxyUid = 1337;

export const podSecurityContext: ResourcePolicy = {
    name: "pod-security-context",
    description:
        "Containers run restricted: runAsNonRoot, a UID other than 0 and 1337 (Istio's proxy UID, whose traffic bypasses the sidecar), readOnlyRootFilesystem, allowPrivilegeEscalation false, not privileged, capabilities drop ALL, seccomp RuntimeDefault (or Localhost). Equivalent: Kyverno pod-security restricted (require-run-as-nonroot, disallow-privilege-escalation, disallow-capabilities-strict, restrict-seccomp-strict) and best-practices require-ro-rootfs; Gatekeeper K8sPSPPrivilegeContainer, K8sPSPAllowPrivilegeEscalationContainer, K8sPSPReadOnlyRootFilesystem, K8sPSPCapabilities, K8sPSPSeccomp, K8sPSPAllowedUsers; istioctl analyze IST0144 InvalidApplicationUID.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: forPod((object, pod, reportViolation) => {
        const podContext = asObject(pod.spec.securityContext);
        for (const c of containersOf(pod.spec)) {
            const context = asObject(c.container.securityContext);
            const problems: string[] = [];
            const runAsNonRoot = context.runAsNonRoot ?? podContext.runAsNonRoot;
            const uid = context.runAsUser ?? podContext.runAsUser;
            const seccomp = asString(asObject(context.seccompProfile ?? podContext.seccompProfile).type);
            if (runAsNonRoot !== true) problems.push("runAsNonRoot is not true");
            if (uid === 0) problems.push("runAsUser is 0 (root)");
            if (uid === istioProxyUid) problems.push("runAsUser is 1337, Istio's proxy UID (its traffic bypasses the sidecar)");
            if (context.readOnlyRootFilesystem !== true) problems.push("readOnlyRootFilesystem is not true");
            if (context.allowPrivilegeEscalation !== false) problems.push("allowPrivilegeEscalation is not false");
            if (context.privileged === true) problems.push("privileged is true");
            const drop = asArray<string>(asObject(context.capabilities).drop);
            if (!drop.includes("ALL")) problems.push("capabilities.drop does not include ALL");
            const added = asArray<string>(asObject(context.capabilities).add).filter((cap) => cap !== "NET_BIND_SERVICE");
            if (added.length) problems.push(`capabilities.add has ${added.join(", ")}`);
            if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push(`seccompProfile is ${seccomp ?? "unset"}`);
            if (problems.length) {
                report(reportViolation, {
                    message: `${where(object, c)}: ${problems.join("; ")}`,
                    fix: `Set securityContext runAsNonRoot: true, runAsUser ≠ 0/1337, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities.drop: [ALL], seccompProfile.type: RuntimeDefault.`,
                });
            }
        }
    }),
};

export const podHostIsolation: ResourcePolicy = {
    name: "pod-host-isolation",
    description:
        "Pods use no host resources: no hostPath volumes, hostNetwork, hostPID, hostIPC or hostPort. Equivalent: Kyverno pod-security baseline disallow-host-path, disallow-host-namespaces, disallow-host-ports; Gatekeeper K8sPSPHostFilesystem, K8sPSPHostNamespace, K8sPSPHostNetworkingPorts.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: forPod((object, pod, reportViolation) => {
        const problems: string[] = [];
        for (const flag of ["hostNetwork", "hostPID", "hostIPC"]) {
            if (pod.spec[flag] === true) problems.push(`${flag}: true`);
        }
        for (const volume of asArray(pod.spec.volumes).map(asObject)) {
            if (volume.hostPath) problems.push(`hostPath volume "${volume.name}" (${asObject(volume.hostPath).path})`);
        }
        for (const c of containersOf(pod.spec)) {
            for (const port of asArray(c.container.ports).map(asObject)) {
                if (port.hostPort) problems.push(`container "${c.name}" hostPort ${port.hostPort}`);
            }
        }
        if (problems.length) {
            report(reportViolation, {
                message: `${ref(object)}: pod uses the host: ${problems.join("; ")}`,
                fix: `Remove host namespaces, hostPath volumes (use emptyDir or a PVC) and hostPorts (expose through a Service).`,
            });
        }
    }),
};

export const sidecarInjection: StackPolicy = {
    name: "sidecar-injection-enabled",
    description:
        "Every namespace that runs this stack's workloads is labelled for Istio injection (istio-injection=enabled or istio.io/rev), and no pod template opts out with sidecar.istio.io/inject: \"false\"; without a sidecar a pod is outside mTLS, routing and policy. Equivalent: istioctl analyze IST0102 NamespaceNotInjected and IST0103 PodMissingProxy.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        const namespaces = new Set(index.workloads.map((w) => w.object.namespace));
        for (const name of namespaces) {
            const ns = index.namespace(name);
            if (!ns) {
                continue; // not managed here: the cluster owner decides its labels
            }
            const injection = ns.labels["istio-injection"];
            const revision = ns.labels["istio.io/rev"];
            if (injection !== "enabled" && !revision) {
                report(reportViolation, {
                    urn: ns.urn,
                    message: `${ref(ns)}: runs workloads but is not labelled for sidecar injection (istio-injection=${injection ?? "<unset>"})`,
                    fix: `Label the namespace istio-injection=enabled (or istio.io/rev=<revision>).`,
                });
            }
        }
        for (const { object, pod } of index.workloads) {
            const optOut = pod.annotations["sidecar.istio.io/inject"] ?? pod.labels["sidecar.istio.io/inject"];
            if (optOut === "false") {
                report(reportViolation, {
                    urn: object.urn,
                    message: `${ref(object)}: pod template sets sidecar.istio.io/inject: "false", so its pods run outside the mesh`,
                    fix: `Remove the sidecar.istio.io/inject annotation/label from the pod template.`,
                });
            }
        }
    },
};

/** Pods a PDB lets be evicted at once, for `replicas` pods (Kubernetes rounds percentages up). */
export function allowedDisruptions(pdbSpec: Plain, replicas: number): number {
    const value = (v: unknown) => (typeof v === "string" && v.endsWith("%") ? Math.ceil((replicas * Number(v.slice(0, -1))) / 100) : Number(v));
    if (pdbSpec.maxUnavailable !== undefined) {
        return value(pdbSpec.maxUnavailable);
    }
    if (pdbSpec.minAvailable !== undefined) {
        return replicas - value(pdbSpec.minAvailable);
    }
    return 0;
}

export const highAvailability: StackPolicy = {
    name: "workload-high-availability",
    description:
        "Every Deployment runs at least `minReplicas` pods (its HPA's minReplicas when one scales it, else spec.replicas) and a PodDisruptionBudget covers it that still allows one voluntary disruption (maxUnavailable ≥ 1 or minAvailable < replicas), so a node drain neither takes the service down nor hangs. Mandatory in prod. Equivalent: Kyverno best-practices require-pdb / pdb-maxunavailable, Gatekeeper K8sPodDisruptionBudget and K8sReplicaLimits.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: { properties: { minReplicas: { type: "integer", default: 2, minimum: 1, description: "Fewest pods each Deployment may run." } } },
    validateStack: (args, reportViolation) => {
        const { minReplicas = 2 } = args.getConfig<{ minReplicas?: number }>();
        const index = meshIndex(args.resources);
        const pdbs = index.kind("PodDisruptionBudget");
        for (const workload of index.workloads.filter((w: Workload) => w.object.kind === "Deployment" || w.object.kind === "StatefulSet")) {
            const { object, pod } = workload;
            const replicas = workload.minReplicas;
            if (replicas < minReplicas) {
                report(reportViolation, {
                    urn: object.urn,
                    message: `${ref(object)}: runs ${replicas} pod(s)${workload.hpa ? ` (HPA ${workload.hpa.name} minReplicas)` : ""}, fewer than ${minReplicas}; one node failure or drain takes it down`,
                    fix: `Run at least ${minReplicas} replicas (stack config services.<svc>.replicas, or autoscaling.minReplicas).`,
                });
            }
            const covering = pdbs.filter((pdb) => pdb.namespace === object.namespace && selects(asObject(asObject(pdb.spec.selector).matchLabels), pod.labels));
            if (covering.length === 0) {
                report(reportViolation, {
                    urn: object.urn,
                    message: `${ref(object)}: no PodDisruptionBudget selects its pods, so a drain may evict all of them at once`,
                    fix: `Add a PodDisruptionBudget with maxUnavailable: 1 and a selector matching the pod labels.`,
                });
            }
            for (const pdb of covering) {
                const allowed = allowedDisruptions(pdb.spec, replicas);
                if (allowed < 1) {
                    report(reportViolation, {
                        urn: pdb.urn,
                        message: `${ref(pdb)}: allows ${allowed} disruption(s) for ${ref(object)} at ${replicas} pod(s), so node drains and cluster upgrades block`,
                        fix: `Use maxUnavailable: 1 (or minAvailable below the replica count).`,
                    });
                }
            }
        }
    },
};

export const ingressGatewayAvailability: StackPolicy = {
    name: "ingress-gateway-availability",
    description:
        "Every Istio `gateway` Helm release runs at least `minReplicas` pods (replicaCount, or autoscaling.minReplicas when autoscaling is on; the chart defaults to autoscaling from 1) and sets podDisruptionBudget (the chart creates none by default), so a node drain or AKS upgrade never takes the only way in down. Equivalent: Kyverno best-practices require-pdb and Gatekeeper K8sPodDisruptionBudget, applied to the chart's values.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: { properties: { minReplicas: { type: "integer", default: 2, minimum: 1, description: "Fewest ingress gateway pods." } } },
    validateStack: (args, reportViolation) => {
        const { minReplicas = 2 } = args.getConfig<{ minReplicas?: number }>();
        for (const release of meshIndex(args.resources).helmReleases.filter((r) => r.chart === "gateway")) {
            const scaling = asObject(release.values.autoscaling);
            const autoscaled = scaling.enabled !== false;
            const replicas = autoscaled ? (typeof scaling.minReplicas === "number" ? scaling.minReplicas : 1) : typeof release.values.replicaCount === "number" ? release.values.replicaCount : 1;
            const pdb = asObject(release.values.podDisruptionBudget);
            const problems = [
                replicas < minReplicas ? `runs ${replicas} pod(s)${autoscaled ? " (autoscaling.minReplicas)" : ""}, fewer than ${minReplicas}` : "",
                Object.keys(pdb).length === 0 ? "sets no podDisruptionBudget, so a drain may evict every gateway pod at once" : "",
            ].filter(Boolean);
            if (problems.length) {
                report(reportViolation, {
                    urn: release.urn,
                    message: `Helm release ${release.namespace}/${release.name} (Istio gateway): ${problems.join("; ")}`,
                    fix: `Set replicaCount (or autoscaling.minReplicas) ≥ ${minReplicas} and podDisruptionBudget: { maxUnavailable: 1 } in the release values.`,
                });
            }
        }
    },
};

export const serviceExposure: ResourcePolicy = {
    name: "service-no-external-exposure",
    description:
        "No Service of type LoadBalancer or NodePort except the ingress gateway (listed in `allowedServices` as namespace/name): traffic enters through the gateway, where TLS, routing and authorization apply. Equivalent: Gatekeeper K8sBlockLoadBalancer and K8sBlockNodePort; Kyverno best-practices restrict-nodeport / restrict-loadbalancer.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: {
        properties: {
            allowedServices: { type: "array", items: { type: "string" }, default: ["istio-ingress/istio-ingressgateway"], description: "namespace/name of Services that may be exposed." },
        },
    },
    validateResource: (args, reportViolation) => {
        const object = k8sObject(args, asObject(materialize(args.props)));
        if (!object || object.kind !== "Service") {
            return;
        }
        const { allowedServices = ["istio-ingress/istio-ingressgateway"] } = args.getConfig<{ allowedServices?: string[] }>();
        const type = asString(object.spec.type);
        if ((type === "LoadBalancer" || type === "NodePort") && !allowedServices.includes(`${object.namespace}/${object.name}`)) {
            report(reportViolation, {
                message: `${ref(object)}: is type ${type}, exposing pods outside the mesh's ingress gateway`,
                fix: `Use type ClusterIP and route to it through the ingress gateway (a VirtualService bound to the Gateway).`,
            });
        }
    },
};

const istioProtocols = ["http", "http2", "https", "grpc", "grpc-web", "tcp", "tls", "udp", "mongo", "mysql", "redis"];

export const servicePortProtocol: ResourcePolicy = {
    name: "service-port-protocol",
    description:
        "Every Service port declares its protocol for Istio: appProtocol set, or a name `<protocol>` / `<protocol>-<suffix>` (http, http2, https, grpc, grpc-web, tcp, tls, udp, mongo, mysql, redis); otherwise Istio sniffs the protocol and HTTP routing, retries and metrics may not apply. Equivalent: istioctl analyze IST0118 PortNameIsNotUnderNamingConvention.",
    enforcementLevel: "mandatory",
    severity: "medium",
    configSchema: {
        properties: {
            ignoreServices: {
                type: "array",
                items: { type: "string" },
                default: ["istio-ingress/istio-ingressgateway"],
                description: "namespace/name of Services owned by Istio's charts (their status-port is Istio's own).",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const object = k8sObject(args, asObject(materialize(args.props)));
        if (!object || object.kind !== "Service" || object.read) {
            return;
        }
        const { ignoreServices = ["istio-ingress/istio-ingressgateway"] } = args.getConfig<{ ignoreServices?: string[] }>();
        if (ignoreServices.includes(`${object.namespace}/${object.name}`)) {
            return;
        }
        for (const port of asArray(object.spec.ports).map(asObject)) {
            const name = asString(port.name) ?? "";
            const named = istioProtocols.some((protocol) => name === protocol || name.startsWith(`${protocol}-`));
            if (!port.appProtocol && !named) {
                report(reportViolation, {
                    message: `${ref(object)}: port ${port.port} is named "${name || "<unnamed>"}" with no appProtocol, so Istio has to guess its protocol`,
                    fix: `Name the port http (or http-<suffix>, grpc, tcp, ...) or set appProtocol: http.`,
                });
            }
        }
    },
};

export const workloadPolicies = [podProbes, podResources, imagePinned, imageAllowedRegistry, podSecurityContext, podHostIsolation, sidecarInjection, highAvailability, ingressGatewayAvailability, serviceExposure, servicePortProtocol, imagePinnedByDigest];
