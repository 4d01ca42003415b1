import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EdgeConfig } from "../stacks/edge";
import { chartRow } from "../stacks/support";
import { assignRole, builtInRoles } from "./builders/azureRoles";
import { acmeIssuerSpec, certManagerApiVersion, edgeCertificateSpec, issuerNames, localCaCertificateSpec } from "./builders/certificates";

/** The chart's controller ServiceAccount is named after the release (its fullname template). */
export const certManagerRelease = "cert-manager";

export interface CertificatesArgs {
    edge: EdgeConfig;
    /** The Secret the Gateway names (`istio.ingress.tlsCredentialName`), in the gateway's namespace. */
    secretName: string;
    gatewayNamespace: pulumi.Input<string>;
    /** What the gateway's namespace needs before objects go into it (a component's dependsOn does not reach its children). */
    gatewayReady: pulumi.Resource[];
    highAvailability: boolean;
    /** AKS stacks: where cert-manager's managed identity lives, and the cluster's OIDC issuer it federates with. */
    azure?: { resourceGroupName: pulumi.Input<string>; location: pulumi.Input<string>; oidcIssuerUrl: pulumi.Input<string | undefined> };
}

/**
 * cert-manager (the support table's chart), the ClusterIssuer of `edge.certificates.issuer` and the
 * Certificate that writes the Gateway's credential Secret. Renewal is cert-manager's: the
 * private key lives in that Secret only, never in the program or its state.
 */
export class Certificates extends pulumi.ComponentResource {
    public readonly secretName: string;
    public readonly issuerName: string;

    constructor(name: string, args: CertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:edge:Certificates", name, {}, opts);
        const child = { parent: this };
        const { certificates } = args.edge;
        const acme = certificates.issuer !== "self-signed";
        const namespace = new k8s.core.v1.Namespace(certificates.namespace, { metadata: { name: certificates.namespace, labels: { "app.kubernetes.io/part-of": "ecommerce-mesh" } } }, child);

        const identity = acme ? this.dnsIdentity(args, child) : undefined;
        const chart = chartRow("cert-manager");
        const release = new k8s.helm.v3.Release(
            certManagerRelease,
            {
                name: certManagerRelease,
                chart: "cert-manager",
                repositoryOpts: { repo: chart.repository },
                version: chart.version,
                namespace: namespace.metadata.name,
                values: {
                    crds: { enabled: true },
                    replicaCount: args.highAvailability ? 2 : 1,
                    podDisruptionBudget: { enabled: args.highAvailability },
                    // The workload identity webhook mounts a federated token into pods with this label (AKS workload identity docs).
                    ...(identity ? { podLabels: { "azure.workload.identity/use": "true" } } : {}),
                },
                atomic: true,
                timeout: 600,
            },
            { ...child, dependsOn: identity ? [identity.federation] : [] },
        );

        const clusterIssuer = (issuerName: string, spec: object, dependsOn: pulumi.Resource[] = [release]) =>
            new k8s.apiextensions.CustomResource(`issuer-${issuerName}`, { apiVersion: certManagerApiVersion, kind: "ClusterIssuer", metadata: { name: issuerName }, spec }, { ...child, dependsOn });

        let issuer: pulumi.Resource;
        if (certificates.issuer === "self-signed") {
            // A CA of our own: a self-signed bootstrap issuer signs the CA certificate, whose key then signs the edge's.
            const bootstrap = clusterIssuer(issuerNames.bootstrap, { selfSigned: {} });
            const ca = new k8s.apiextensions.CustomResource(
                "local-ca",
                { apiVersion: certManagerApiVersion, kind: "Certificate", metadata: { name: "local-ca", namespace: namespace.metadata.name }, spec: localCaCertificateSpec() },
                { ...child, dependsOn: [bootstrap] },
            );
            issuer = clusterIssuer(issuerNames["self-signed"], { ca: { secretName: localCaCertificateSpec().secretName } }, [ca]);
        } else {
            const dns = certificates.azureDns!;
            const subscriptionId = dns.subscriptionId ?? authorization.getClientConfigOutput().subscriptionId;
            const spec = pulumi
                .all([subscriptionId, identity!.clientId])
                .apply(([subscription, clientId]) => acmeIssuerSpec(certificates.issuer as "letsencrypt", certificates.email!, { zoneName: dns.zoneName, resourceGroupName: dns.resourceGroupName, subscriptionId: subscription, clientId }));
            issuer = clusterIssuer(issuerNames[certificates.issuer], spec);
        }

        new k8s.apiextensions.CustomResource(
            "edge",
            { apiVersion: certManagerApiVersion, kind: "Certificate", metadata: { name: "edge", namespace: args.gatewayNamespace }, spec: edgeCertificateSpec(args.edge, args.secretName) },
            { ...child, dependsOn: [issuer, ...args.gatewayReady] },
        );
        this.secretName = args.secretName;
        this.issuerName = issuerNames[certificates.issuer];
        this.registerOutputs({ secretName: this.secretName, issuerName: this.issuerName });
    }

    /** A managed identity for cert-manager's ServiceAccount, allowed to write the zone's records and nothing else. */
    private dnsIdentity(args: CertificatesArgs, child: pulumi.CustomResourceOptions) {
        const { azure, edge } = args;
        if (!azure) {
            throw new pulumi.RunError(`ecommerce-mesh:edge.certificates.issuer: ${edge.certificates.issuer} needs an AKS stack (workload identity)`);
        }
        const dns = edge.certificates.azureDns!;
        const id = new managedidentity.UserAssignedIdentity(
            "cert-manager",
            { resourceName: `cert-manager-${pulumi.getStack()}`, resourceGroupName: azure.resourceGroupName, location: azure.location },
            child,
        );
        const federation = new managedidentity.FederatedIdentityCredential(
            "cert-manager",
            {
                resourceGroupName: azure.resourceGroupName,
                resourceName: id.name,
                // AKS publishes it with oidcIssuerProfile enabled (components/aksCluster.ts); without it no token exchange works.
                issuer: pulumi.output(azure.oidcIssuerUrl).apply((url) => {
                    if (!url) {
                        throw new pulumi.RunError("the AKS cluster reports no OIDC issuer URL: cert-manager's workload identity needs oidcIssuerProfile enabled");
                    }
                    return url;
                }),
                subject: `system:serviceaccount:${edge.certificates.namespace}:${certManagerRelease}`,
                audiences: ["api://AzureADTokenExchange"],
            },
            child,
        );
        const subscription = dns.subscriptionId ?? authorization.getClientConfigOutput().subscriptionId;
        assignRole(
            "cert-manager-dns",
            {
                scope: pulumi.interpolate`/subscriptions/${subscription}/resourceGroups/${dns.resourceGroupName}/providers/Microsoft.Network/dnszones/${dns.zoneName}`,
                roleId: builtInRoles.dnsZoneContributor,
                principalId: id.principalId,
                principalType: "ServicePrincipal",
            },
            child,
        );
        return { clientId: id.clientId, federation };
    }
}
