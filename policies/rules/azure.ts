// Azure: the registry and the AKS cluster the stack creates. Checked per resource on
// azure-native's ManagedCluster and Registry; the autoscaling check also reads AgentPool resources.

import { isExampleId } from "../lib/exampleIds";
import { asArray, asObject, asString, type Plain } from "../lib/k8s";
import { meshIndex } from "../lib/meshIndex";
import { report } from "../lib/report";
import type { ReportViolation, ResourceArgs, ResourcePolicy, StackPolicy } from "../lib/types";

const managedClusterType = "azure-native:containerservice:ManagedCluster";
const registryType = "azure-native:containerregistry:Registry";

function ofType(type: string, check: (props: Plain, name: string, reportViolation: ReportViolation) => void) {
    return (args: ResourceArgs, reportViolation: ReportViolation) => {
        if (args.type === type) {
            check(args.props ?? {}, args.name, reportViolation);
        }
    };
}

const clusterName = (props: Plain, name: string) => `ManagedCluster ${asString(props.resourceName) ?? name}`;

export const acrAdminDisabled: ResourcePolicy = {
    name: "acr-admin-user-disabled",
    description:
        "The container registry's admin user is off (and anonymous pull with it): pulls use the kubelet's managed identity with AcrPull, pushes an Entra ID token, never a shared password. Equivalent: Azure Policy 'Container registries should have local admin account disabled'.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: ofType(registryType, (props, name, reportViolation) => {
        const registry = `Registry ${asString(props.registryName) ?? name}`;
        if (props.adminUserEnabled === true) {
            report(reportViolation, { message: `${registry}: adminUserEnabled is true, a shared password with push rights`, fix: `Set adminUserEnabled: false and grant AcrPull/AcrPush to identities instead.` });
        }
        if (props.anonymousPullEnabled === true) {
            report(reportViolation, { message: `${registry}: anonymousPullEnabled is true, so anyone can pull the images`, fix: `Set anonymousPullEnabled: false.` });
        }
    }),
};

export const aksEntraRbac: ResourcePolicy = {
    name: "aks-entra-id-rbac",
    description:
        "The AKS cluster signs users in with Entra ID and authorises them with Azure RBAC (aadProfile.managed and aadProfile.enableAzureRBAC). Equivalent: Azure Policy 'Azure Kubernetes Service Clusters should enable Microsoft Entra ID integration' / 'should use Azure RBAC'.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: ofType(managedClusterType, (props, name, reportViolation) => {
        const aad = asObject(props.aadProfile);
        if (aad.managed !== true || aad.enableAzureRBAC !== true) {
            report(reportViolation, {
                message: `${clusterName(props, name)}: aadProfile is ${JSON.stringify({ managed: aad.managed, enableAzureRBAC: aad.enableAzureRBAC })}, so cluster access is not governed by Entra ID and Azure RBAC`,
                fix: `Set aadProfile: { managed: true, enableAzureRBAC: true, adminGroupObjectIDs: [...] }.`,
            });
        }
    }),
};

export const aksLocalAccountsDisabled: ResourcePolicy = {
    name: "aks-local-accounts-disabled",
    description:
        "The AKS cluster has local accounts disabled (disableLocalAccounts), so no static admin kubeconfig bypasses Entra ID. Mandatory in prod. Equivalent: Azure Policy 'Azure Kubernetes Service Clusters should have local authentication methods disabled'.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: ofType(managedClusterType, (props, name, reportViolation) => {
        if (props.disableLocalAccounts !== true) {
            report(reportViolation, {
                message: `${clusterName(props, name)}: local accounts are enabled, so 'az aks get-credentials --admin' hands out a static cluster-admin credential`,
                fix: `Set disableLocalAccounts: true (stack config cluster.disableLocalAccounts).`,
            });
        }
    }),
};

export const aksWorkloadIdentity: ResourcePolicy = {
    name: "aks-workload-identity",
    description:
        "The AKS cluster has the OIDC issuer and workload identity enabled, so pods get Entra ID tokens through federated service accounts instead of secrets. Equivalent: AKS security baseline (Microsoft Entra Workload ID).",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: ofType(managedClusterType, (props, name, reportViolation) => {
        const missing = [
            asObject(props.oidcIssuerProfile).enabled === true ? "" : "oidcIssuerProfile.enabled",
            asObject(asObject(props.securityProfile).workloadIdentity).enabled === true ? "" : "securityProfile.workloadIdentity.enabled",
        ].filter(Boolean);
        if (missing.length) {
            report(reportViolation, {
                message: `${clusterName(props, name)}: ${missing.join(" and ")} not true, so workloads cannot use Entra Workload ID`,
                fix: `Set oidcIssuerProfile: { enabled: true } and securityProfile: { workloadIdentity: { enabled: true } }.`,
            });
        }
    }),
};

export const aksNetworkPolicy: ResourcePolicy = {
    name: "aks-network-policy",
    description:
        "The AKS cluster runs a network policy engine (networkProfile.networkPolicy azure, calico or cilium), so NetworkPolicies are enforced. Equivalent: Azure Policy 'Azure Kubernetes Service Clusters should have a network policy enabled'.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: ofType(managedClusterType, (props, name, reportViolation) => {
        const policy = asString(asObject(props.networkProfile).networkPolicy);
        if (!policy || policy === "none") {
            report(reportViolation, {
                message: `${clusterName(props, name)}: networkProfile.networkPolicy is ${policy ?? "unset"}, so NetworkPolicies are ignored`,
                fix: `Set networkProfile.networkPolicy (cilium with networkDataplane cilium, or azure/calico).`,
            });
        }
    }),
};

export const aksPinnedVersion: ResourcePolicy = {
    name: "aks-pinned-kubernetes-version",
    description:
        "The AKS cluster pins its Kubernetes version (kubernetesVersion as major.minor or major.minor.patch) and no auto-upgrade channel moves it to a new minor (rapid or stable). Equivalent: AKS upgrade best practice; no Azure Policy built-in.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: ofType(managedClusterType, (props, name, reportViolation) => {
        const version = asString(props.kubernetesVersion);
        const channel = asString(asObject(props.autoUpgradeProfile).upgradeChannel);
        if (!version || !/^\d+\.\d+(\.\d+)?$/.test(version)) {
            report(reportViolation, {
                message: `${clusterName(props, name)}: kubernetesVersion is ${version ?? "unset"}, so AKS picks the default version and it drifts between environments`,
                fix: `Set kubernetesVersion to a supported minor such as 1.36 (stack config cluster.kubernetesVersion).`,
            });
        }
        if (channel === "rapid" || channel === "stable") {
            report(reportViolation, {
                message: `${clusterName(props, name)}: autoUpgradeProfile.upgradeChannel ${channel} upgrades to new minor versions on its own`,
                fix: `Use upgradeChannel patch (or node-image/none) and move minors deliberately.`,
            });
        }
    }),
};

export const aksAutoscalingUserPool: StackPolicy = {
    name: "aks-autoscaling-user-pool",
    description:
        "Each AKS cluster has a User-mode node pool with the cluster autoscaler on (enableAutoScaling with minCount ≥ 2 and maxCount > minCount), in its agentPoolProfiles or as an AgentPool resource, so application pods scale out and survive a node loss apart from the system pool. Mandatory in prod. Equivalent: AKS reliability best practice.",
    enforcementLevel: "mandatory",
    severity: "medium",
    configSchema: { properties: { minNodes: { type: "integer", default: 2, minimum: 1, description: "Smallest minCount accepted for the autoscaling user pool." } } },
    validateStack: (args, reportViolation) => {
        const { minNodes = 2 } = args.getConfig<{ minNodes?: number }>();
        const index = meshIndex(args.resources);
        const pools = index.ofType("azure-native:containerservice:AgentPool");
        for (const { resource, props } of index.ofType(managedClusterType)) {
            const name = asString(props.resourceName) ?? resource.name;
            const candidates = [
                ...asArray(props.agentPoolProfiles).map(asObject),
                // An AgentPool resource names itself agentPoolName where an inline profile says name.
                ...pools.filter((pool) => asString(pool.props.resourceName) === name).map((pool): Plain => ({ ...pool.props, name: pool.props.agentPoolName })),
            ];
            const ok = candidates.some((pool) => pool.mode === "User" && pool.enableAutoScaling === true && Number(pool.minCount) >= minNodes && Number(pool.maxCount) > Number(pool.minCount));
            if (!ok) {
                report(reportViolation, {
                    urn: resource.urn,
                    message: `ManagedCluster ${name}: no User node pool autoscales with minCount ≥ ${minNodes} and maxCount above it (pools: ${candidates.map((p) => `${p.name}/${p.mode ?? "?"}${p.enableAutoScaling ? ` ${p.minCount}-${p.maxCount}` : " fixed"}`).join(", ") || "none"})`,
                    fix: `Add a mode: User pool with enableAutoScaling: true, minCount ≥ ${minNodes}, maxCount > minCount (stack config cluster.userPool).`,
                });
            }
        }
    },
};

export const azureNoExampleIds: ResourcePolicy = {
    name: "azure-no-example-ids",
    description:
        "No Azure resource carries an example id of the shipped stack files (the all-zero GUID): the cluster's admin groups (cluster.adminGroupObjectIds) and the deploy job's network (deployer.network.virtualNetworkId) are the user's own. Advisory offline, where the shipped examples render; the program refuses them at pulumi up, naming the key. Equivalent: none (the shipped stack files' examples).",
    enforcementLevel: "advisory",
    severity: "high",
    validateResource: (args, reportViolation) => {
        const props = args.props ?? {};
        if (args.type === managedClusterType && asArray(asObject(props.aadProfile).adminGroupObjectIDs).some(isExampleId)) {
            report(reportViolation, { message: `${clusterName(props, args.name)}: aadProfile.adminGroupObjectIDs holds an example id, so no real group administers the cluster`, fix: `Set cluster.adminGroupObjectIds to your admins' Entra ID group (CI's service principal a member).` });
        }
        const remote = asString(asObject(props.remoteVirtualNetwork).id);
        if (args.type === "azure-native:network:VirtualNetworkPeering" && isExampleId(remote)) {
            report(reportViolation, { message: `VirtualNetworkPeering ${asString(props.virtualNetworkPeeringName) ?? args.name}: peers with the example network ${remote}`, fix: `Set deployer.network.virtualNetworkId to the resource id of the network your deploy job runs in.` });
        }
    },
};

export const aksStandardTier: ResourcePolicy = {
    name: "aks-standard-tier",
    description:
        "The AKS cluster runs on the Standard (or Premium) pricing tier (sku.tier): the Free tier has no financially backed uptime SLA for the API server and is not recommended for production. Mandatory in prod. Equivalent: AKS pricing tiers guidance (learn.microsoft.com/azure/aks/free-standard-pricing-tiers); Azure Advisor 'Use the Standard tier for production clusters'.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: ofType(managedClusterType, (props, name, reportViolation) => {
        const tier = asString(asObject(props.sku).tier) ?? "Free";
        if (tier === "Free") {
            report(reportViolation, {
                message: `${clusterName(props, name)}: sku.tier is ${tier}, which has no uptime SLA for the API server`,
                fix: `Set cluster.tier: Standard (sku: { name: Base, tier: Standard }).`,
            });
        }
    }),
};

/** Each volume request in the stack, as "<object>: <path>" and the StorageClass it names (undefined: the cluster default). */
function volumeClaims(index: ReturnType<typeof meshIndex>): { urn: string; where: string; storageClass?: string }[] {
    const claims: { urn: string; where: string; storageClass?: string }[] = [];
    let urn = "";
    const add = (where: string, storageClass: unknown) => claims.push({ urn, where, storageClass: asString(storageClass) });
    for (const object of index.objects) {
        urn = object.urn;
        const at = `${object.kind} ${object.namespace ? `${object.namespace}/` : ""}${object.name}`;
        if (object.kind === "PersistentVolumeClaim") add(`${at}: spec.storageClassName`, object.spec.storageClassName);
        asArray(object.spec.volumeClaimTemplates).forEach((template, i) => add(`${at}: spec.volumeClaimTemplates[${i}].spec.storageClassName`, asObject(asObject(template).spec).storageClassName));
        if (object.apiVersion === "postgresql.cnpg.io/v1" && object.kind === "Cluster") {
            for (const key of ["storage", "walStorage"]) {
                if (object.spec[key]) add(`${at}: spec.${key}.storageClass`, asObject(object.spec[key]).storageClass);
            }
        }
    }
    // Helm values: the Prometheus operator's storageSpec.volumeClaimTemplate, wherever the chart nests it.
    const walk = (release: string, node: unknown, path: string) => {
        if (Array.isArray(node)) node.forEach((item, i) => walk(release, item, `${path}[${i}]`));
        else if (node && typeof node === "object") {
            for (const [key, value] of Object.entries(node as Plain)) {
                if (key === "volumeClaimTemplate") add(`Release ${release}: values.${path}${key}.spec.storageClassName`, asObject(asObject(value).spec).storageClassName);
                else walk(release, value, `${path}${key}.`);
            }
        }
    };
    for (const release of index.helmReleases) {
        urn = release.urn;
        walk(release.name, release.values, "");
    }
    return claims;
}

export const aksZoneRedundantVolumes: StackPolicy = {
    name: "aks-zone-redundant-volumes",
    description:
        "On an AKS cluster whose node pools span two or more availability zones, every volume the stack requests (PersistentVolumeClaims, volumeClaimTemplates, CloudNativePG storage, Helm values' volumeClaimTemplate) names a StorageClass of the stack on disk.csi.azure.com with a ZRS skuName: an LRS disk stays in its zone, so its pod cannot follow the autoscaled pool into another. Mandatory in prod. Equivalent: AKS availability zones guidance (learn.microsoft.com/azure/aks/availability-zones-overview: one pool per zone, or ZRS disks).",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        const pools = [
            ...index.ofType(managedClusterType).flatMap(({ props }) => asArray(props.agentPoolProfiles).map(asObject)),
            ...index.ofType("azure-native:containerservice:AgentPool").map(({ props }) => props),
        ];
        if (!pools.some((pool) => asArray(pool.availabilityZones).length > 1)) {
            return;
        }
        const zoneRedundant = new Set(
            index
                .kind("StorageClass")
                .filter((sc) => sc.props.provisioner === "disk.csi.azure.com")
                // Driver parameter names are case-insensitive (azuredisk-csi-driver docs/driver-parameters.md).
                .filter((sc) => Object.entries(asObject(sc.props.parameters)).some(([key, value]) => key.toLowerCase() === "skuname" && /_ZRS$/i.test(String(value))))
                .map((sc) => sc.name),
        );
        for (const claim of volumeClaims(index)) {
            if (!claim.storageClass || !zoneRedundant.has(claim.storageClass)) {
                report(reportViolation, {
                    urn: claim.urn,
                    message: `${claim.where} is ${claim.storageClass ? `"${claim.storageClass}"` : "unset (the cluster's default, an LRS disk)"}, not a zone-redundant class of this stack (${[...zoneRedundant].join(", ") || "none"})`,
                    fix: "Leave observability.metrics.storageClass and database.cluster.storageClass unset on a multi-zone AKS stack (the program's managed-csi-premium-zrs), or name a StorageClass with skuName Premium_ZRS or StandardSSD_ZRS.",
                });
            }
        }
    },
};

export const azurePolicies = [acrAdminDisabled, aksEntraRbac, aksLocalAccountsDisabled, aksWorkloadIdentity, aksNetworkPolicy, aksPinnedVersion, aksAutoscalingUserPool, azureNoExampleIds, aksStandardTier, aksZoneRedundantVolumes];
