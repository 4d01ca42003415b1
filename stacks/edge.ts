// The `edge.*` keys: the shop's name, TLS at the ingress Gateway and the certificates that serve
// it. stacks/schema.ts and defaults.ts plug these in; components/certificates.ts reads them.
import { z } from "zod";

const says = (text: string) => ({ error: text });
const flag = z.boolean(says("is not true or false"));
const dnsLabel = z.string(says("is not a lowercase DNS label")).regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, says("is not a lowercase DNS label (a-z, 0-9, '-', at most 63 characters)"));
// RFC 1123 names of two labels or more (or `localhost`): what a certificate's dnsNames and a Gateway host accept.
const domainText = "is not a lowercase DNS name such as shop.example.com (no wildcard, no port, no scheme)";
export const isDomain = (text: string) => text === "localhost" || /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(text);
const domain = z.string(says(domainText)).refine(isDomain, says(domainText));
const uuid = z.string(says("is not a subscription id (a GUID)")).regex(/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i, says("is not a subscription id (a GUID)"));

/** The ACME directories; `letsencrypt-staging` issues untrusted certificates under far higher rate limits, for trials. */
export const acmeServers = {
    letsencrypt: "https://acme-v02.api.letsencrypt.org/directory",
    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
} as const;
export const issuerKinds = ["letsencrypt", "letsencrypt-staging", "self-signed"] as const;

export const edgeSchema = z.strictObject({
    /** The shop's name: the Gateway's host and the certificate's DNS name. */
    domain: domain.optional(),
    // Istio ServerTLSSettings.minProtocolVersion (istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings-TLSProtocol).
    minTlsVersion: z.enum(["TLSV1_2", "TLSV1_3"], says("is not one of TLSV1_2, TLSV1_3")),
    /** Strict-Transport-Security max-age in seconds on every edge response (0 tells browsers to forget it). */
    hstsMaxAge: z.int(says("is not a whole number of seconds from 0 to 63072000 (two years)")).min(0, says("is not a whole number of seconds from 0 to 63072000 (two years)")).max(63_072_000, says("is not a whole number of seconds from 0 to 63072000 (two years)")),
    /** Plain HTTP at the Gateway: only when TLS ends in front of the cluster, named by tlsTerminatedBy. */
    allowPlaintextHttp: flag,
    tlsTerminatedBy: z.string(says("is not the name of a TLS front end")).min(1, says("is not the name of a TLS front end")).optional(),
    certificates: z.strictObject({
        issuer: z.enum(issuerKinds, says(`is not one of ${issuerKinds.join(", ")}`)),
        /** ACME account e-mail: Let's Encrypt writes here before a certificate expires unrenewed. */
        email: z.string(says("is not an e-mail address")).regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, says("is not an e-mail address")).optional(),
        /** The Azure DNS zone cert-manager writes DNS-01 records into, through workload identity. */
        azureDns: z
            .strictObject({
                zoneName: domain,
                resourceGroupName: z.string(says("is not a resource group name")).regex(/^[-\w._()]{1,90}$/, says("is not a resource group name")),
                subscriptionId: uuid.optional(),
            })
            .optional(),
        /** Namespace of cert-manager and of the CA Secrets of ClusterIssuers. */
        namespace: dnsLabel,
    }),
});

export type EdgeConfig = z.infer<typeof edgeSchema>;

export function defaultEdge() {
    return {
        minTlsVersion: "TLSV1_2",
        // Two years: the minimum for the browsers' HSTS preload lists.
        hstsMaxAge: 63_072_000,
        allowPlaintextHttp: false,
        certificates: { issuer: "self-signed", namespace: "cert-manager" },
    };
}

/** TLS terminates at the Gateway (the default), rather than in front of the cluster. */
export const tlsAtGateway = (edge: EdgeConfig) => !edge.allowPlaintextHttp;

/** The Gateway's hosts: `istio.ingress.hosts` when set, else the domain, else any host. */
export function edgeHosts(config: { edge: EdgeConfig; istio: { ingress: { hosts?: string[] } } }): string[] {
    return config.istio.ingress.hosts ?? (config.edge.domain ? [config.edge.domain] : ["*"]);
}

/** The stack output `ingressUrl`: https and the certificate's name with TLS at the Gateway (an IP fails its check), else http and the address. */
export function ingressUrl(edge: EdgeConfig, address: string): string {
    if (/\s/.test(address)) {
        return address;
    }
    return tlsAtGateway(edge) && edge.domain ? `https://${edge.domain}` : `http://${address}`;
}

interface Issue {
    path: (string | number)[];
    input: unknown;
    message: string;
}

/** Rules across keys: prod has a name, TLS needs a name and an issuer that can vouch for it. */
export function edgeIssues(config: { environment: string; cluster: { provider: string }; edge: EdgeConfig; istio: { ingress: { hosts?: string[] } } }): Issue[] {
    const issues: Issue[] = [];
    const { edge } = config;
    const certs = edge.certificates;
    if (config.environment === "prod" && edgeHosts(config).includes("*")) {
        issues.push(
            config.istio.ingress.hosts
                ? { path: ["istio", "ingress", "hosts"], input: config.istio.ingress.hosts, message: 'may not contain "*" in prod: name the shop\'s hosts (or set edge.domain and leave the hosts unset)' }
                : { path: ["edge", "domain"], input: undefined, message: "is required in prod: the shop's name, which the Gateway answers for and the certificate covers" },
        );
    }
    if (edge.allowPlaintextHttp && !edge.tlsTerminatedBy) {
        issues.push({ path: ["edge", "tlsTerminatedBy"], input: undefined, message: "is required when edge.allowPlaintextHttp is true: name the front end that terminates TLS (for example Azure Front Door)" });
    }
    if (!edge.allowPlaintextHttp && edge.tlsTerminatedBy) {
        issues.push({ path: ["edge", "tlsTerminatedBy"], input: edge.tlsTerminatedBy, message: "needs edge.allowPlaintextHttp true: with TLS at the Gateway nothing else terminates it" });
    }
    if (tlsAtGateway(edge) && !edge.domain) {
        issues.push({ path: ["edge", "domain"], input: undefined, message: "is required while TLS terminates at the Gateway: the certificate is issued for it (use localhost on a laptop)" });
    }
    // Without TLS at the Gateway no certificate is made, so nothing below applies.
    const acme = tlsAtGateway(edge) && certs.issuer !== "self-signed";
    if (acme && !certs.email) {
        issues.push({ path: ["edge", "certificates", "email"], input: undefined, message: `is required for edge.certificates.issuer ${certs.issuer}: the ACME account's contact` });
    }
    if (acme && !certs.azureDns) {
        issues.push({ path: ["edge", "certificates", "azureDns"], input: undefined, message: `is required for edge.certificates.issuer ${certs.issuer}: the Azure DNS zone that answers the DNS-01 challenge` });
    }
    if (acme && certs.azureDns && edge.domain && !(edge.domain === certs.azureDns.zoneName || edge.domain.endsWith(`.${certs.azureDns.zoneName}`))) {
        issues.push({ path: ["edge", "certificates", "azureDns", "zoneName"], input: certs.azureDns.zoneName, message: `does not contain edge.domain ${edge.domain}: the DNS-01 record _acme-challenge.${edge.domain} must be written into this zone` });
    }
    if (config.environment === "prod" && certs.issuer !== "letsencrypt" && tlsAtGateway(edge)) {
        issues.push({ path: ["edge", "certificates", "issuer"], input: certs.issuer, message: "must be letsencrypt in prod: browsers trust neither the staging nor a self-signed CA" });
    }
    if (acme && config.cluster.provider !== "aks") {
        issues.push({ path: ["edge", "certificates", "issuer"], input: certs.issuer, message: "needs cluster.provider aks (else use self-signed): cert-manager answers DNS-01 in Azure DNS through the AKS workload identity" });
    }
    return issues;
}
