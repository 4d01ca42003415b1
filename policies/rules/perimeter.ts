// The network perimeter: sidecars may leave the mesh only for hosts a ServiceEntry names, and
// every namespace that runs the stack's workloads denies traffic by default below the mesh.

import { asArray, asObject, asString, isKnown, type K8sObject, type Plain, ref } from "../lib/k8s";
import { meshIndex } from "../lib/meshIndex";
import { report } from "../lib/report";
import type { StackPolicy } from "../lib/types";

const anyAddress = new Set(["0.0.0.0/0", "::/0"]);

/** A ServiceEntry host that stands for all or most of the internet: `*`, or `*.<tld>`. */
const isOpenHost = (host: string) => host === "*" || /^\*\.[^.]+$/.test(host);

export const meshEgressRegistryOnly: StackPolicy = {
    name: "mesh-egress-registry-only",
    description:
        "Sidecars reach only hosts in Istio's registry: every istiod Helm release sets meshConfig.outboundTrafficPolicy.mode REGISTRY_ONLY, and no ServiceEntry opens the way back out (a host of `*` or `*.<tld>`, resolution NONE without addresses, no ports), so a compromised pod cannot call arbitrary hosts. Equivalent: Istio security best practice 'Egress: REGISTRY_ONLY with ServiceEntries'; no istioctl analyze check.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        for (const release of index.helmReleases.filter((r) => r.chart === "istiod")) {
            const mode = asString(asObject(asObject(release.values.meshConfig).outboundTrafficPolicy).mode) ?? "ALLOW_ANY (the default)";
            if (mode !== "REGISTRY_ONLY") {
                report(reportViolation, {
                    urn: release.urn,
                    message: `Helm release ${release.namespace}/${release.name}: meshConfig.outboundTrafficPolicy.mode is ${mode}, so sidecars pass traffic to any host`,
                    fix: `Set values.meshConfig.outboundTrafficPolicy.mode: REGISTRY_ONLY and a ServiceEntry for each external host the services call.`,
                });
            }
        }
        for (const entry of index.kind("ServiceEntry")) {
            for (const problem of serviceEntryProblems(entry)) {
                report(reportViolation, { urn: entry.urn, message: `${ref(entry)}: ${problem}`, fix: `Name each external host exactly, with its ports, and resolution DNS or STATIC.` });
            }
        }
    },
};

function serviceEntryProblems(entry: K8sObject): string[] {
    const problems: string[] = [];
    const hosts = asArray(entry.spec.hosts).filter(isKnown).map(String);
    const open = hosts.filter(isOpenHost);
    if (open.length) {
        problems.push(`hosts ${open.join(", ")} admit the whole internet under REGISTRY_ONLY`);
    }
    if (entry.spec.resolution === "NONE" && asArray(entry.spec.addresses).length === 0) {
        problems.push("resolution NONE without addresses passes traffic to any address on its ports");
    }
    if (asArray(entry.spec.ports).length === 0) {
        problems.push("declares no ports, so it admits every port of its hosts");
    }
    return problems;
}

type Rule = Plain;
const peersOf = (rule: Rule, key: "from" | "to") => asArray(rule[key]).map(asObject);
const portsOf = (rule: Rule) => asArray(rule.ports).map(asObject);
const admitsPort = (rule: Rule, port: number, protocol = "TCP") =>
    portsOf(rule).length === 0 || portsOf(rule).some((p) => Number(p.port) === port && (asString(p.protocol) ?? "TCP") === protocol);
const isDefaultDeny = (np: K8sObject) => {
    const selector = asObject(np.spec.podSelector);
    const types = asArray(np.spec.policyTypes);
    return (
        Object.keys(asObject(selector.matchLabels)).length === 0 &&
        asArray(selector.matchExpressions).length === 0 &&
        types.includes("Ingress") &&
        types.includes("Egress") &&
        asArray(np.spec.ingress).length === 0 &&
        asArray(np.spec.egress).length === 0
    );
};

/** A rule that admits any peer on any port, or an ipBlock of the whole internet on any port. */
function opensEverything(rule: Rule, key: "from" | "to"): boolean {
    const peers = peersOf(rule, key);
    const anyPeer = peers.length === 0 || peers.some((peer) => anyAddress.has(asString(asObject(peer.ipBlock).cidr) ?? ""));
    return anyPeer && portsOf(rule).length === 0;
}

export const networkPolicyDefaultDeny: StackPolicy = {
    name: "network-policy-default-deny",
    description:
        "Every namespace that runs the stack's workloads has a default-deny NetworkPolicy (empty podSelector, policyTypes Ingress and Egress, no rules), no NetworkPolicy there admits any peer on any port, and the allows the mesh cannot run without are present: egress to DNS (port 53) and to istiod (port 15012). The network layer then holds when a sidecar is bypassed. Equivalent: Kubernetes 'default deny all' NetworkPolicy recipe; Kyverno best-practices add-network-policy; AKS baseline (network policies with Cilium).",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: {
        properties: {
            ignoreNamespaces: { type: "array", items: { type: "string" }, default: [], description: "Namespaces whose workloads another layer fences in (their own NetworkPolicies are not checked)." },
        },
    },
    validateStack: (args, reportViolation) => {
        const { ignoreNamespaces = [] } = args.getConfig<{ ignoreNamespaces?: string[] }>();
        const index = meshIndex(args.resources);
        const namespaces = [...new Set(index.workloads.filter((w) => !w.object.read).map((w) => w.object.namespace))].filter((ns) => !ignoreNamespaces.includes(ns)).sort();
        const policies = index.kind("NetworkPolicy");
        for (const namespace of namespaces) {
            const here = policies.filter((np) => np.namespace === namespace);
            if (!here.some(isDefaultDeny)) {
                report(reportViolation, {
                    message: `namespace ${namespace}: no default-deny NetworkPolicy, so any pod in the cluster (or the internet, through a node) reaches its pods and they reach anything`,
                    fix: `Add a NetworkPolicy with podSelector: {}, policyTypes: [Ingress, Egress] and no rules, then one allow per flow the mesh needs.`,
                });
                continue;
            }
            for (const np of here) {
                for (const [direction, key] of [["ingress", "from"], ["egress", "to"]] as const) {
                    if (asArray(np.spec[direction]).map(asObject).some((rule) => opensEverything(rule, key))) {
                        report(reportViolation, {
                            urn: np.urn,
                            message: `${ref(np)}: an ${direction} rule admits any peer on any port, which undoes the default deny`,
                            fix: `Name the peers (podSelector, namespaceSelector or a narrow ipBlock) and the ports of the flow.`,
                        });
                    }
                }
            }
            const egress = here.flatMap((np) => asArray(np.spec.egress).map(asObject));
            const missing = [
                egress.some((rule) => admitsPort(rule, 53, "UDP")) ? "" : "DNS (UDP 53)",
                egress.some((rule) => admitsPort(rule, 15012)) ? "" : "istiod (TCP 15012)",
            ].filter(Boolean);
            if (missing.length) {
                report(reportViolation, {
                    message: `namespace ${namespace}: the default deny blocks egress to ${missing.join(" and ")}, so sidecars get no configuration or certificates and names do not resolve`,
                    fix: `Add egress allows to kube-system k8s-app=kube-dns on UDP/TCP 53 and to istio-system app=istiod on TCP 15012.`,
                });
            }
        }
    },
};

export const perimeterPolicies = [meshEgressRegistryOnly, networkPolicyDefaultDeny];
