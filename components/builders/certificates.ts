// cert-manager objects as plain specs (cert-manager.io/v1), so tests and the component share them.
// Fields: cert-manager.io/docs/reference/api-docs (ClusterIssuer, Certificate) and
// cert-manager.io/docs/configuration/acme/dns01/azuredns (workload identity).
import { acmeServers, type EdgeConfig } from "../../stacks/edge";

export const certManagerApiVersion = "cert-manager.io/v1";

/** The ClusterIssuer names; a Certificate refers to one by name. */
export const issuerNames = {
    letsencrypt: "letsencrypt",
    "letsencrypt-staging": "letsencrypt-staging",
    "self-signed": "edge-ca",
    /** Signs only the local CA's own certificate. */
    bootstrap: "selfsigned-bootstrap",
} as const;

/** The local CA's key pair, in cert-manager's namespace (the `ca` issuer reads a ClusterIssuer's Secret there). */
export const localCaSecret = "edge-ca";

export interface AzureDnsSolver {
    zoneName: string;
    resourceGroupName: string;
    subscriptionId: string;
    /** Client id of the managed identity that cert-manager's ServiceAccount federates with. */
    clientId: string;
}

/** An ACME ClusterIssuer that proves the name with a DNS-01 TXT record in Azure DNS: no client secret exists. */
export function acmeIssuerSpec(issuer: keyof typeof acmeServers, email: string, dns: AzureDnsSolver) {
    return {
        acme: {
            server: acmeServers[issuer],
            email,
            // The ACME account key, written by cert-manager on first use.
            privateKeySecretRef: { name: `${issuerNames[issuer]}-account` },
            solvers: [
                {
                    dns01: {
                        azureDNS: {
                            hostedZoneName: dns.zoneName,
                            resourceGroupName: dns.resourceGroupName,
                            subscriptionID: dns.subscriptionId,
                            environment: "AzurePublicCloud",
                            managedIdentity: { clientID: dns.clientId },
                        },
                    },
                },
            ],
        },
    };
}

/** The local CA certificate, self-signed by the bootstrap issuer; the edge-ca issuer signs with its key. */
export function localCaCertificateSpec() {
    return {
        isCA: true,
        commonName: "ecommerce-mesh local CA",
        secretName: localCaSecret,
        duration: "87600h",
        privateKey: { algorithm: "ECDSA", size: 256 },
        issuerRef: { name: issuerNames.bootstrap, kind: "ClusterIssuer", group: "cert-manager.io" },
    };
}

/** The edge certificate: cert-manager writes (and renews) the Gateway's credential Secret; the program never sees the key. */
export function edgeCertificateSpec(edge: EdgeConfig, secretName: string) {
    return {
        secretName,
        dnsNames: [edge.domain!],
        issuerRef: { name: issuerNames[edge.certificates.issuer], kind: "ClusterIssuer", group: "cert-manager.io" },
        // cert-manager's defaults, said out loud: 90 days, renewed 30 days before the end.
        duration: "2160h",
        renewBefore: "720h",
        // A new key at each renewal (the default from cert-manager 1.18 on).
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
    };
}
