// mTLS: the mesh must require mutual TLS everywhere, nothing may loosen it, and no client-side
// TLS setting may contradict it.

import { asArray, asObject, asString, type K8sObject, type Plain, ref, resolveHost } from "../lib/k8s";
import { MeshIndex, meshIndex } from "../lib/meshIndex";
import { report } from "../lib/report";
import type { StackPolicy } from "../lib/types";

const rootNamespaceProperty = {
    type: "string" as const,
    default: MeshIndex.rootNamespace,
    description: "Istio's root namespace, where mesh-wide PeerAuthentication lives.",
};

function isMeshWide(pa: K8sObject, rootNamespace: string): boolean {
    return pa.namespace === rootNamespace && Object.keys(asObject(asObject(pa.spec.selector).matchLabels)).length === 0;
}

export const meshWideStrictMtls: StackPolicy = {
    name: "mtls-mesh-wide-strict",
    description:
        "A mesh-wide PeerAuthentication (in Istio's root namespace, no selector) sets mtls.mode STRICT, so no workload accepts plaintext. Equivalent: Istio's security best practice; istioctl analyze IST0113 MTLSPolicyConflict reports the conflicts it prevents.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: { properties: { rootNamespace: rootNamespaceProperty } },
    validateStack: (args, reportViolation) => {
        const { rootNamespace = MeshIndex.rootNamespace } = args.getConfig<{ rootNamespace?: string }>();
        const index = meshIndex(args.resources);
        const meshWide = index.kind("PeerAuthentication").filter((pa) => isMeshWide(pa, rootNamespace));
        if (meshWide.length === 0) {
            const anyIstio = index.objects.some((o) => o.apiVersion.includes("istio.io"));
            if (anyIstio) {
                report(reportViolation, {
                    message: `PeerAuthentication ${rootNamespace}/*: the stack deploys Istio objects but no mesh-wide PeerAuthentication, so workloads accept plaintext (Istio's default is PERMISSIVE)`,
                    fix: `Add a PeerAuthentication "default" in ${rootNamespace} with no selector and spec.mtls.mode STRICT.`,
                });
            }
            return;
        }
        for (const pa of meshWide) {
            const mode = asString(asObject(pa.spec.mtls).mode) ?? "UNSET";
            if (mode !== "STRICT") {
                report(reportViolation, {
                    urn: pa.urn,
                    message: `${ref(pa)}: mesh-wide mTLS mode is ${mode}, so every workload still accepts plaintext`,
                    fix: `Set spec.mtls.mode: STRICT (stack config ecommerce-mesh:mtls STRICT).`,
                });
            }
        }
    },
};

export const noPermissiveOverride: StackPolicy = {
    name: "mtls-no-permissive-override",
    description:
        "No namespace- or workload-level PeerAuthentication (nor a port-level setting) relaxes mTLS to PERMISSIVE or DISABLE under the mesh-wide STRICT policy. Equivalent: Istio's security best practice (istioctl analyze IST0113 MTLSPolicyConflict covers the client side).",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: { properties: { rootNamespace: rootNamespaceProperty } },
    validateStack: (args, reportViolation) => {
        const { rootNamespace = MeshIndex.rootNamespace } = args.getConfig<{ rootNamespace?: string }>();
        const index = meshIndex(args.resources);
        for (const pa of index.kind("PeerAuthentication").filter((p) => !isMeshWide(p, rootNamespace))) {
            const scope = Object.keys(asObject(asObject(pa.spec.selector).matchLabels)).length ? `workloads ${JSON.stringify(pa.spec.selector.matchLabels)}` : `namespace ${pa.namespace}`;
            const mode = asString(asObject(pa.spec.mtls).mode);
            if (mode === "PERMISSIVE" || mode === "DISABLE") {
                report(reportViolation, {
                    urn: pa.urn,
                    message: `${ref(pa)}: sets mTLS ${mode} for ${scope}, accepting plaintext inside a STRICT mesh`,
                    fix: `Remove the override or set spec.mtls.mode: STRICT (or UNSET to inherit the mesh-wide policy).`,
                });
            }
            for (const [port, setting] of Object.entries(asObject(pa.spec.portLevelMtls))) {
                const portMode = asString(asObject(setting).mode);
                if (portMode === "PERMISSIVE" || portMode === "DISABLE") {
                    report(reportViolation, {
                        urn: pa.urn,
                        message: `${ref(pa)}: port ${port} of ${scope} is set to ${portMode}, accepting plaintext inside a STRICT mesh`,
                        fix: `Remove portLevelMtls.${port} or set it to STRICT.`,
                    });
                }
            }
        }
    },
};

/** TLS settings of a DestinationRule: top level, per port and per subset. */
function tlsSettings(rule: K8sObject): { where: string; tls: Plain }[] {
    const out: { where: string; tls: Plain }[] = [];
    const visit = (policy: unknown, where: string) => {
        const trafficPolicy = asObject(policy);
        if (trafficPolicy.tls) {
            out.push({ where, tls: asObject(trafficPolicy.tls) });
        }
        for (const portSetting of asArray(trafficPolicy.portLevelSettings).map(asObject)) {
            if (portSetting.tls) {
                out.push({ where: `${where} port ${asObject(portSetting.port).number}`, tls: asObject(portSetting.tls) });
            }
        }
    };
    visit(rule.spec.trafficPolicy, "trafficPolicy");
    for (const subset of asArray(rule.spec.subsets).map(asObject)) {
        visit(subset.trafficPolicy, `subset ${subset.name}`);
    }
    return out;
}

export const destinationRuleTlsConsistent: StackPolicy = {
    name: "mtls-destination-rule-tls",
    description:
        "No DestinationRule sets a TLS mode other than ISTIO_MUTUAL for an in-mesh host: DISABLE sends plaintext that STRICT servers reject, SIMPLE/MUTUAL replace Istio's certificates (and SIMPLE without caCertificates verifies nothing). Equivalent: istioctl analyze IST0113 MTLSPolicyConflict and IST0128 NoServerCertificateVerificationDestinationLevel.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        for (const rule of index.kind("DestinationRule")) {
            const host = asString(rule.spec.host) ?? "";
            const service = index.service(host, rule.namespace);
            if (!service) {
                continue;
            }
            for (const { where, tls } of tlsSettings(rule)) {
                const mode = asString(tls.mode);
                if (mode && mode !== "ISTIO_MUTUAL") {
                    const unverified = mode === "SIMPLE" && !tls.caCertificates && !tls.credentialName ? " and, without caCertificates, verifies no server certificate" : "";
                    report(reportViolation, {
                        urn: rule.urn,
                        message: `${ref(rule)}: ${where} sets tls.mode ${mode} for in-mesh host ${resolveHost(host, rule.namespace)}, which conflicts with STRICT mTLS${unverified}`,
                        fix: `Set tls.mode: ISTIO_MUTUAL (or remove the tls block and let Istio's auto-mTLS apply).`,
                    });
                }
            }
        }
    },
};

export const mtlsPolicies = [meshWideStrictMtls, noPermissiveOverride, destinationRuleTlsConsistent];
