import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { partOf } from "./builders/labels";
import { type DatabaseEndpoint, networkPolicies, networkPolicyObjectSpec, type PerimeterSpec, serviceEntries } from "./builders/perimeter";

export interface MeshPerimeterArgs extends PerimeterSpec {
    /** The application namespace (an output of IstioMesh, so the objects wait for it). */
    namespace: pulumi.Input<string>;
    database?: DatabaseEndpoint;
    /** The identity provider's JWKS URL; its host gets a ServiceEntry. */
    jwksUri?: string;
}

/**
 * Defence in depth around the application namespace: default-deny NetworkPolicies with the
 * allows the mesh needs (enforced by Cilium below the sidecars), and a ServiceEntry for each
 * thing outside the mesh the system calls, which `outboundTrafficPolicy: REGISTRY_ONLY` needs.
 */
export class MeshPerimeter extends pulumi.ComponentResource {
    public readonly networkPolicyNames: string[];
    public readonly serviceEntryHosts: string[];

    constructor(name: string, args: MeshPerimeterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:mesh:MeshPerimeter", name, {}, opts);
        const child = { parent: this };
        const metadata = (objectName: string) => ({
            name: objectName,
            namespace: args.namespace,
            labels: { "app.kubernetes.io/part-of": partOf, "app.kubernetes.io/managed-by": "pulumi" },
        });

        const policies = networkPolicies(args);
        for (const policy of policies) {
            new k8s.networking.v1.NetworkPolicy(policy.name, { metadata: metadata(policy.name), spec: networkPolicyObjectSpec(policy) }, child);
        }
        const entries = serviceEntries(args.database, args.jwksUri);
        for (const entry of entries) {
            new k8s.apiextensions.CustomResource(
                `service-entry-${entry.name}`,
                { apiVersion: "networking.istio.io/v1", kind: "ServiceEntry", metadata: metadata(entry.name), spec: entry.spec },
                child,
            );
        }

        this.networkPolicyNames = policies.map((policy) => policy.name);
        this.serviceEntryHosts = entries.flatMap((entry) => entry.spec.hosts as string[]);
        this.registerOutputs({ networkPolicyNames: this.networkPolicyNames, serviceEntryHosts: this.serviceEntryHosts });
    }
}
