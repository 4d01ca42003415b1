// Mesh references: every name an Istio object uses must point at something the stack deploys,
// and the routes must be reachable and add up. Each check mirrors an `istioctl analyze` message
// so a finding here reads like what the cluster would report after the fact.

import { asArray, asObject, asString, hostMatches, type K8sObject, type Plain, ref, resolveHost, selects } from "../lib/k8s";
import { httpRoutes, meshIndex } from "../lib/meshIndex";
import { report } from "../lib/report";
import type { StackPolicy } from "../lib/types";

export const virtualServiceHostsExist: StackPolicy = {
    name: "istio-vs-destination-host-exists",
    description:
        "Every VirtualService destination host (FQDN <svc>.<ns>.svc.cluster.local, or a short name resolved in the VirtualService's namespace) is a Service this stack deploys or a host a ServiceEntry of the stack declares. Equivalent: istioctl analyze IST0101 ReferencedResourceNotFound (host).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        for (const vs of index.kind("VirtualService")) {
            for (const destination of index.destinations(vs)) {
                if (!index.service(destination.host, vs.namespace) && !index.serviceEntryDeclares(destination.host)) {
                    const fqdn = resolveHost(destination.host, vs.namespace);
                    report(reportViolation, {
                        urn: vs.urn,
                        message: `${ref(vs)}: route "${destination.routeName}" sends traffic to host "${destination.host}" (${fqdn}), but the stack deploys no Service by that name; Envoy answers 503 (no cluster) for it`,
                        fix: `Point the destination at an existing Service FQDN (${nearestServices(index.kind("Service"))}) or deploy the missing Service.`,
                    });
                }
            }
        }
    },
};

function nearestServices(services: K8sObject[]): string {
    const names = services.filter((s) => !s.read).map((s) => `${s.name}.${s.namespace}.svc.cluster.local`);
    return names.length ? names.slice(0, 3).join(", ") + (names.length > 3 ? ", ..." : "") : "none deployed";
}

export const virtualServiceSubsetsDefined: StackPolicy = {
    name: "istio-vs-subset-defined",
    description:
        "Every subset a VirtualService routes to is declared in a DestinationRule for that host; otherwise Envoy has no such cluster and returns 503 (NR). Equivalent: istioctl analyze IST0101 ReferencedResourceNotFound (host+subset in destinationrule).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        for (const vs of index.kind("VirtualService")) {
            for (const destination of index.destinations(vs)) {
                if (!destination.subset) {
                    continue;
                }
                const fqdn = resolveHost(destination.host, vs.namespace);
                const rules = index.destinationRulesFor(fqdn);
                const declared = rules.flatMap((rule) => asArray(rule.spec.subsets).map((subset) => asString(asObject(subset).name)));
                if (!declared.includes(destination.subset)) {
                    report(reportViolation, {
                        urn: vs.urn,
                        message: rules.length
                            ? `${ref(vs)}: route "${destination.routeName}" uses subset "${destination.subset}" of ${fqdn}, which ${rules.map(ref).join(", ")} does not declare (it has: ${declared.join(", ") || "none"})`
                            : `${ref(vs)}: route "${destination.routeName}" uses subset "${destination.subset}" of ${fqdn}, but no DestinationRule exists for that host`,
                        fix: `Add subset "${destination.subset}" (with the pod labels of that version) to the DestinationRule of ${fqdn}, or route to a declared subset.`,
                    });
                }
            }
        }
    },
};

export const destinationRuleSubsetsSelectPods: StackPolicy = {
    name: "istio-dr-subset-selects-pods",
    description:
        "Every DestinationRule subset selects the pods of some workload: its labels, together with the Service selector, match a Deployment's pod template. A subset without endpoints makes Envoy answer 503 UH (no healthy upstream). Equivalent: istioctl analyze IST0127 NoMatchingWorkloadsFound (for subsets).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        for (const rule of index.kind("DestinationRule")) {
            const host = asString(rule.spec.host);
            const service = host ? index.service(host, rule.namespace) : undefined;
            if (!service || service.read) {
                continue; // istio-dr-host-exists reports unknown hosts
            }
            for (const subset of asArray(rule.spec.subsets).map(asObject)) {
                const labels = asObject(subset.labels);
                if (index.workloadsOfSubset(service, labels).length === 0) {
                    report(reportViolation, {
                        urn: rule.urn,
                        message: `${ref(rule)}: subset "${subset.name}" (labels ${JSON.stringify(labels)}) selects no pods of Service ${service.namespace}/${service.name} (selector ${JSON.stringify(service.spec.selector ?? {})}); traffic routed to it gets 503 UH`,
                        fix: `Make the subset labels match a Deployment's pod template labels (e.g. version: <name>), or deploy that version.`,
                    });
                }
            }
        }
    },
};

export const destinationRuleHostExists: StackPolicy = {
    name: "istio-dr-host-exists",
    description:
        "Every DestinationRule host resolves to a Service this stack deploys (short names resolve in the rule's namespace). Equivalent: istioctl analyze IST0101 ReferencedResourceNotFound.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        for (const rule of index.kind("DestinationRule")) {
            const host = asString(rule.spec.host);
            if (host && !host.includes("*") && !index.service(host, rule.namespace) && !index.serviceEntryDeclares(host)) {
                report(reportViolation, {
                    urn: rule.urn,
                    message: `${ref(rule)}: host "${host}" (${resolveHost(host, rule.namespace)}) is not a Service of this stack, so its traffic policy (mTLS, pools, outlier detection) applies to nothing`,
                    fix: `Set spec.host to the FQDN of the Service it is meant for (<svc>.<ns>.svc.cluster.local).`,
                });
            }
        }
    },
};

export const virtualServiceHostConflicts: StackPolicy = {
    name: "istio-vs-host-conflict",
    description:
        "At most one VirtualService per host per gateway: Istio merges or drops conflicting ones in an undefined order. Equivalent: istioctl analyze IST0109 ConflictingMeshGatewayVirtualServiceHosts (extended to every gateway).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        const owners = new Map<string, K8sObject[]>();
        for (const vs of index.kind("VirtualService")) {
            for (const gateway of index.gatewayRefs(vs)) {
                for (const host of asArray<string>(vs.spec.hosts).filter((h) => typeof h === "string")) {
                    const key = `${gateway}|${gateway === "mesh" ? resolveHost(host, vs.namespace) : host}`;
                    owners.set(key, [...(owners.get(key) ?? []), vs]);
                }
            }
        }
        for (const [key, list] of owners) {
            if (list.length > 1) {
                const [gateway, host] = key.split("|");
                for (const vs of list.slice(1)) {
                    report(reportViolation, {
                        urn: vs.urn,
                        message: `${ref(vs)}: host "${host}" on gateway "${gateway}" is also defined by ${list.filter((o) => o !== vs).map(ref).join(", ")}; which routes win is undefined`,
                        fix: `Merge the routes of these VirtualServices into one per host and gateway.`,
                    });
                }
            }
        }
    },
};

// ---- route reachability ---------------------------------------------------------------------

type StringMatch = { exact?: string; prefix?: string; regex?: string };

function fullRegex(pattern: string): RegExp | undefined {
    try {
        return new RegExp(`^(?:${pattern})$`);
    } catch {
        return undefined;
    }
}

/** Whether StringMatch `broad` matches every string `narrow` matches (conservative: false when unsure). */
function stringCovers(broad: StringMatch, narrow: StringMatch): boolean {
    if (broad.exact !== undefined) {
        return narrow.exact === broad.exact;
    }
    if (broad.prefix !== undefined) {
        return (narrow.exact ?? narrow.prefix)?.startsWith(broad.prefix) ?? false;
    }
    if (broad.regex !== undefined) {
        if (narrow.regex !== undefined) {
            return narrow.regex === broad.regex;
        }
        return narrow.exact !== undefined && (fullRegex(broad.regex)?.test(narrow.exact) ?? false);
    }
    return true; // an empty StringMatch matches anything present
}

const simpleFields = ["uri", "scheme", "method", "authority"] as const;
const mapFields = ["headers", "queryParams"] as const;
const exactFields = ["withoutHeaders", "port", "sourceLabels", "gateways", "sourceNamespace", "statPrefix"] as const;

/** Whether HTTPMatchRequest `broad` matches every request `narrow` matches. */
export function matchCovers(broad: Plain, narrow: Plain): boolean {
    for (const field of simpleFields) {
        if (broad[field] !== undefined) {
            if (narrow[field] === undefined || !stringCovers(asObject(broad[field]), asObject(narrow[field]))) {
                return false;
            }
        }
    }
    for (const field of mapFields) {
        for (const [key, condition] of Object.entries(asObject(broad[field]))) {
            const other = asObject(narrow[field])[key];
            if (other === undefined || !stringCovers(asObject(condition), asObject(other))) {
                return false;
            }
        }
    }
    for (const field of exactFields) {
        if (broad[field] !== undefined && JSON.stringify(broad[field]) !== JSON.stringify(narrow[field])) {
            return false;
        }
    }
    if (broad.ignoreUriCase !== true && narrow.ignoreUriCase === true && broad.uri !== undefined) {
        return false;
    }
    return true;
}

function matchesOf(route: Plain): Plain[] {
    const list = asArray(route.match).map(asObject);
    return list.length ? list : [{}];
}

export const unreachableRoutes: StackPolicy = {
    name: "istio-vs-unreachable-route",
    description:
        "No HTTP route is shadowed by an earlier one: Istio takes the first match, so a route after a catch-all (no match) or after a route whose matches are a superset of its own never runs, and a match repeated from an earlier route is dead. Equivalent: istioctl analyze IST0130 VirtualServiceUnreachableRule and IST0131 VirtualServiceIneffectiveMatch.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        for (const vs of index.kind("VirtualService")) {
            const routes = httpRoutes(vs);
            routes.forEach(({ route, name, index: position }) => {
                const mine = matchesOf(route);
                const earlier = routes.slice(0, position);
                const shadowedBy = earlier.find((previous) => mine.every((match) => matchesOf(previous.route).some((theirs) => matchCovers(theirs, match))));
                if (shadowedBy) {
                    const catchAll = asArray(shadowedBy.route.match).length === 0;
                    report(reportViolation, {
                        urn: vs.urn,
                        message: `${ref(vs)}: route "${name}" (#${position}) is never used: earlier route "${shadowedBy.name}" (#${shadowedBy.index}) ${catchAll ? "has no match and takes every request" : "matches every request it would match"}`,
                        fix: `Move "${name}" above "${shadowedBy.name}", or narrow "${shadowedBy.name}"'s match.`,
                    });
                    return;
                }
                mine.forEach((match, matchIndex) => {
                    const duplicate = earlier.find((previous) => matchesOf(previous.route).some((theirs) => matchCovers(theirs, match)));
                    const sibling = mine.slice(0, matchIndex).some((theirs) => matchCovers(theirs, match));
                    if (duplicate || sibling) {
                        report(reportViolation, {
                            urn: vs.urn,
                            message: `${ref(vs)}: route "${name}" match #${matchIndex} ${JSON.stringify(match)} is never used: ${duplicate ? `route "${duplicate.name}" (#${duplicate.index}) already takes those requests` : "an earlier match of the same route covers it"}`,
                            fix: `Remove the duplicate match or make it narrower than the earlier one.`,
                        });
                    }
                });
            });
        }
    },
};

export const routeWeightsSum: StackPolicy = {
    name: "istio-vs-weights-sum",
    description:
        "The destination weights of every route sum to 100 (a single destination may omit its weight), with no negative weight, so the split is what it says. Equivalent: Istio's VirtualService validation (istioctl analyze IST0106 SchemaValidationError).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        for (const vs of index.kind("VirtualService")) {
            for (const protocol of ["http", "tcp", "tls"]) {
                asArray(vs.spec[protocol]).map(asObject).forEach((route, position) => {
                    const destinations = asArray(route.route).map(asObject);
                    if (destinations.length === 0) {
                        return;
                    }
                    const weights = destinations.map((d) => (typeof d.weight === "number" ? d.weight : destinations.length === 1 ? 100 : 0));
                    const total = weights.reduce((a, b) => a + b, 0);
                    const name = asString(route.name) ?? `${protocol}[${position}]`;
                    if (total !== 100 || weights.some((w) => w < 0)) {
                        report(reportViolation, {
                            urn: vs.urn,
                            message: `${ref(vs)}: route "${name}" has weights ${weights.join(" + ")} = ${total}, not 100`,
                            fix: `Give each destination of "${name}" a non-negative weight so that they sum to exactly 100.`,
                        });
                    }
                });
            }
        }
    },
};

// ---- gateways ------------------------------------------------------------------------------

/** Target ports of the Istio `gateway` chart's Service when its values do not set service.ports. */
const gatewayChartPorts = [15021, 80, 443];

/** Pod labels of the Istio `gateway` Helm chart for a release: `app: <release>`, `istio: <release without "istio-">`. */
function gatewayChartLabels(releaseName: string, values: Plain): Record<string, string> {
    const labels: Record<string, string> = { app: releaseName, istio: releaseName.replace(/^istio-/, "") };
    for (const [key, value] of Object.entries(asObject(values.labels))) {
        if (typeof value === "string") {
            labels[key] = value;
        }
    }
    return labels;
}

export const gatewayBinding: StackPolicy = {
    name: "istio-gateway-binding",
    description:
        "A gateway-bound VirtualService names a Gateway that exists, every host it declares is served by that Gateway, and the Gateway's selector matches gateway pods this stack installs (a Deployment, or the Istio `gateway` Helm chart) whose Service exposes each server port. Equivalent: istioctl analyze IST0101 ReferencedResourceNotFound (gateway, gateway selector), IST0132 VirtualServiceHostNotFoundInGateway and IST0162 GatewayPortNotDefinedOnService (which replaced the retired IST0104 GatewayPortNotOnWorkload).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        for (const vs of index.kind("VirtualService")) {
            for (const gatewayRef of index.gatewayRefs(vs).filter((g) => g !== "mesh")) {
                const gateway = index.gateway(gatewayRef);
                if (!gateway) {
                    report(reportViolation, {
                        urn: vs.urn,
                        message: `${ref(vs)}: gateway "${gatewayRef}" does not exist in this stack, so none of its routes are served`,
                        fix: `Reference an existing Gateway as <namespace>/<name> (${index.kind("Gateway").map((g) => `${g.namespace}/${g.name}`).join(", ") || "none deployed"}).`,
                    });
                    continue;
                }
                const served = asArray(gateway.spec.servers).flatMap((server) => asArray<string>(asObject(server).hosts)).map((h) => (h.includes("/") ? h.split("/")[1] : h));
                const missing = asArray<string>(vs.spec.hosts).filter((host) => typeof host === "string" && !served.some((pattern) => hostMatches(pattern, host)));
                if (missing.length) {
                    report(reportViolation, {
                        urn: vs.urn,
                        message: `${ref(vs)}: host(s) ${missing.join(", ")} are not served by ${ref(gateway)} (servers' hosts: ${served.join(", ") || "none"}), so requests for them get 404 at the gateway`,
                        fix: `Add the host(s) to a server of ${ref(gateway)} or remove them from the VirtualService.`,
                    });
                }
            }
        }
        for (const gateway of index.kind("Gateway")) {
            const selector = asObject(gateway.spec.selector);
            if (Object.keys(selector).length === 0) {
                continue;
            }
            const deployed = index.workloads.some((w) => selects(selector, w.pod.labels));
            const charts = index.helmReleases.filter((release) => release.chart === "gateway" && selects(selector, gatewayChartLabels(release.name, release.values)));
            for (const release of charts) {
                const servicePorts = asArray(asObject(release.values.service).ports).map(asObject);
                const targetPorts = servicePorts.length ? servicePorts.map((p) => Number(p.targetPort ?? p.port)) : gatewayChartPorts;
                for (const server of asArray(gateway.spec.servers).map(asObject)) {
                    const port = Number(asObject(server.port).number);
                    if (Number.isFinite(port) && !targetPorts.includes(port)) {
                        report(reportViolation, {
                            urn: gateway.urn,
                            message: `${ref(gateway)}: listens on port ${port}, which the Service of gateway release ${release.namespace}/${release.name} does not expose (target ports ${targetPorts.join(", ")}), so no client reaches it`,
                            fix: `Use a port the gateway Service exposes (80 or 443 by default) or add it to the release's service.ports.`,
                        });
                    }
                }
            }
            if (!deployed && charts.length === 0) {
                report(reportViolation, {
                    urn: gateway.urn,
                    message: `${ref(gateway)}: selector ${JSON.stringify(selector)} matches no gateway pods installed by this stack, so no proxy serves it`,
                    fix: `Set spec.selector to the labels of the ingress gateway pods (the gateway chart labels them istio: <release name without "istio-">).`,
                });
            }
        }
    },
};

/** On a plain-HTTP Gateway: the front end that terminates TLS before it (the program writes it from edge.tlsTerminatedBy). */
export const tlsTerminatedByAnnotation = "ecommerce-mesh.io/tls-terminated-by";

export const gatewayTls: StackPolicy = {
    name: "istio-gateway-tls",
    description:
        "Every Gateway server that accepts plain HTTP redirects to HTTPS (tls.httpsRedirect) and the Gateway has an HTTPS server with a credentialName, so customer traffic (logins, payments) is encrypted from the client to the mesh edge. The one escape is TLS that terminates in front of the cluster: allowPlaintextHttp in the policy config, and the Gateway naming that front end in its ecommerce-mesh.io/tls-terminated-by annotation (stack keys edge.allowPlaintextHttp and edge.tlsTerminatedBy). Mandatory in prod. Equivalent: Istio secure-gateways task and security best practices (istioctl analyze IST0161 InvalidGatewayCredential checks the credential once one is set).",
    enforcementLevel: "advisory",
    severity: "high",
    configSchema: { properties: { allowPlaintextHttp: { type: "boolean", default: false, description: "True when TLS may terminate before the ingress gateway (e.g. Azure Front Door); each plain Gateway must still name that front end." } } },
    validateStack: (args, reportViolation) => {
        const { allowPlaintextHttp = false } = args.getConfig<{ allowPlaintextHttp?: boolean }>();
        const index = meshIndex(args.resources);
        for (const gateway of index.kind("Gateway")) {
            const servers = asArray(gateway.spec.servers).map(asObject);
            const plain = servers.filter((server) => asString(asObject(server.port).protocol)?.toUpperCase() === "HTTP" && asObject(server.tls).httpsRedirect !== true);
            const https = servers.some((server) => asString(asObject(server.port).protocol)?.toUpperCase() === "HTTPS" && (asObject(server.tls).credentialName || asObject(server.tls).serverCertificate));
            if (!plain.length && https) {
                continue;
            }
            const frontEnd = gateway.annotations[tlsTerminatedByAnnotation];
            if (allowPlaintextHttp && frontEnd) {
                continue;
            }
            report(reportViolation, {
                urn: gateway.urn,
                message: `${ref(gateway)}: ${plain.length ? `serves plain HTTP on port ${plain.map((s) => asObject(s.port).number).join(", ")} without redirecting to HTTPS` : "has no server"}${https ? "" : " and no HTTPS server with a certificate"}, so requests cross the internet unencrypted${allowPlaintextHttp ? `, and names no TLS front end (annotation ${tlsTerminatedByAnnotation})` : ""}`,
                fix: `Leave edge.allowPlaintextHttp false: the program then issues a certificate (edge.certificates), serves HTTPS on 443 (tls.mode SIMPLE) and redirects port 80. Plain HTTP passes only with allowPlaintextHttp in this policy's config and edge.tlsTerminatedBy naming the front end.`,
            });
        }
    },
};

// ---- the canary holds at the edge ----------------------------------------------------------

type Split = Map<string, number>;

function splitOf(route: Plain, fqdn: string, namespace: string): Split | undefined {
    const destinations = asArray(route.route).map(asObject);
    const own = destinations.filter((d) => resolveHost(String(asObject(d.destination).host ?? ""), namespace) === fqdn);
    if (own.length === 0) {
        return undefined;
    }
    const split: Split = new Map();
    for (const d of own) {
        const subset = asString(asObject(d.destination).subset) ?? "(no subset)";
        const weight = typeof d.weight === "number" ? d.weight : own.length === 1 ? 100 : 0;
        split.set(subset, (split.get(subset) ?? 0) + weight);
    }
    return split;
}

const showSplit = (split: Split) => [...split].map(([subset, weight]) => `${subset}=${weight}`).join(", ");
const sameSplit = (a: Split, b: Split) => a.size === b.size && [...a].every(([subset, weight]) => b.get(subset) === weight);

export const edgeSplitMatchesMesh: StackPolicy = {
    name: "istio-edge-split-matches-mesh",
    description:
        "Traffic entering through the ingress gateway is split between versions exactly as inside the mesh: a mesh-only VirtualService's subset split does not apply to gateway traffic, so each gateway route to a service must carry the same per-subset weights as the service's mesh route of the same name (or its last, default route). Equivalent: istioctl analyze IST0140 IngressRouteRulesNotAffected.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        const meshRoutes = new Map<string, { vs: K8sObject; byName: Map<string, Split>; fallback?: Split }>();
        for (const vs of index.kind("VirtualService").filter((v) => index.gatewayRefs(v).includes("mesh"))) {
            for (const host of asArray<string>(vs.spec.hosts)) {
                const fqdn = resolveHost(host, vs.namespace);
                const entry = { vs, byName: new Map<string, Split>(), fallback: undefined as Split | undefined };
                for (const { route, name } of httpRoutes(vs)) {
                    const split = splitOf(route, fqdn, vs.namespace);
                    if (split) {
                        entry.byName.set(name, split);
                        entry.fallback = split; // the last route is the default one
                    }
                }
                meshRoutes.set(fqdn, entry);
            }
        }
        for (const vs of index.kind("VirtualService").filter((v) => index.gatewayRefs(v).some((g) => g !== "mesh"))) {
            for (const { route, name } of httpRoutes(vs)) {
                const hosts = new Set(asArray(route.route).map((d) => resolveHost(String(asObject(asObject(d).destination).host ?? ""), vs.namespace)));
                for (const fqdn of hosts) {
                    const mesh = meshRoutes.get(fqdn);
                    const edge = splitOf(route, fqdn, vs.namespace);
                    const expected = mesh?.byName.get(name) ?? mesh?.fallback;
                    if (!mesh || !edge || !expected || sameSplit(edge, expected)) {
                        continue;
                    }
                    report(reportViolation, {
                        urn: vs.urn,
                        message: `${ref(vs)}: gateway route "${name}" splits ${fqdn} as ${showSplit(edge)} but the mesh routes it as ${showSplit(expected)} (${ref(mesh.vs)}); users at the edge would not get the canary the mesh gets`,
                        fix: `Build the gateway route from the same weights as the mesh route (one source for the split), e.g. ${showSplit(expected)}.`,
                    });
                }
            }
        }
    },
};

export const meshReferencePolicies = [
    virtualServiceHostsExist,
    virtualServiceSubsetsDefined,
    destinationRuleSubsetsSelectPods,
    destinationRuleHostExists,
    virtualServiceHostConflicts,
    unreachableRoutes,
    routeWeightsSum,
    gatewayBinding,
    gatewayTls,
    edgeSplitMatchesMesh,
];
