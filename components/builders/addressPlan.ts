// The stack's address ranges, pure so the config schema can check a peered network against them.

export interface SubnetPlan {
    readonly cidr: string;
    /** Azure service the subnet is handed to (a delegated subnet holds only that service). */
    readonly delegation?: string;
}

/**
 * Every address range of a stack, in one place. The VNet holds the subnets; the AKS overlay pod
 * range and the service range live outside it and must never overlap it (test/program/network.test.ts).
 * A new subnet (a private endpoint, say) is one more entry under `subnets`.
 */
export const addressPlan = {
    vnet: "10.20.0.0/16",
    subnets: {
        /** AKS node NICs; pods take overlay addresses from aks.podCidr, so a /20 holds thousands of nodes. */
        aksNodes: { cidr: "10.20.0.0/20" },
        /** Flexible Server's private address; Azure wants the whole subnet delegated to it. */
        postgres: { cidr: "10.20.16.0/24", delegation: "Microsoft.DBforPostgreSQL/flexibleServers" },
        /** Private endpoints (the registry's, with registry.privateEndpoint); not delegated. */
        privateEndpoints: { cidr: "10.20.17.0/24" },
    },
    aks: { podCidr: "10.244.0.0/16", serviceCidr: "10.0.0.0/16", dnsServiceIP: "10.0.0.10" },
} as const satisfies { vnet: string; subnets: Record<string, SubnetPlan>; aks: Record<string, string> };
