// What the cloud would answer, for an offline run: provider-computed outputs, the few
// invokes the program makes, and the ACR token exchange. Values are fixed and clearly fake
// (the zero GUID, example domains), so renders are stable and nobody mistakes them for real.

const zeroGuid = "00000000-0000-0000-0000-000000000000";

/** Outputs a provider computes on create that the program reads back. */
export function providerComputedState(type: string, inputs: Record<string, any>): Record<string, unknown> {
    switch (type) {
        case "azure-native:resources:ResourceGroup":
            return { name: inputs.resourceGroupName };
        case "azure-native:containerregistry:Registry":
            return { name: inputs.registryName, loginServer: `${String(inputs.registryName).toLowerCase()}.azurecr.io` };
        case "azure-native:managedidentity:UserAssignedIdentity":
            return { name: inputs.resourceName, principalId: zeroGuid, clientId: zeroGuid };
        case "azure-native:containerservice:ManagedCluster":
            return {
                name: inputs.resourceName,
                identityProfile: { kubeletidentity: { objectId: zeroGuid, clientId: zeroGuid } },
                oidcIssuerProfile: { enabled: true, issuerURL: `https://oidc.example.invalid/${inputs.resourceName}/` },
            };
        case "azure-native:network:VirtualNetwork":
            return { name: inputs.virtualNetworkName };
        case "azure-native:network:Subnet":
            return { name: inputs.subnetName };
        case "azure-native:privatedns:PrivateZone":
            return { name: inputs.privateZoneName };
        case "azure-native:dbforpostgresql:Server":
            return { name: inputs.serverName, fullyQualifiedDomainName: `${inputs.serverName}.postgres.database.azure.com` };
        case "azure-native:managedidentity:UserAssignedIdentity":
            return { name: inputs.resourceName, clientId: zeroGuid, principalId: zeroGuid };
        case "random:index/randomPassword:RandomPassword":
            return { result: "offline-password" };
        case "docker-build:index:Image":
            return { ref: `${inputs.tags?.[0]}@sha256:${"0".repeat(64)}` };
        default:
            return {};
    }
}

/** State of an existing resource the program reads with `.get`. */
export function readState(type: string, id: string): Record<string, unknown> {
    if (type === "kubernetes:core/v1:Secret" && id.endsWith("-app")) {
        // CloudNativePG's generated `<cluster>-app` Secret: its uri logs in as the database owner.
        const [namespace, name] = id.split("/");
        const uri = `postgresql://ecommerce:offline-password@${name.slice(0, -"-app".length)}-rw.${namespace}:5432/ecommerce`;
        return { data: { uri: Buffer.from(uri).toString("base64") } };
    }
    return {};
}

const offlineKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: offline
  cluster: { server: "https://offline.example.invalid:443" }
contexts:
- name: offline
  context: { cluster: offline, user: clusterUser }
current-context: offline
users:
- name: clusterUser
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      # As AKS hands it out: the devicecode client (AKS's Entra app) and the tenant come with it.
      args: [get-token, --environment, AzurePublicCloud, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630, --client-id, 80faf920-1908-4b52-b5ef-a8e7bedfc67a, --tenant-id, 00000000-0000-0000-0000-000000000000, --login, devicecode]
`;

export function offlineInvoke(token: string, _inputs: Record<string, unknown>): Record<string, unknown> {
    switch (token) {
        case "azure-native:authorization:getClientConfig":
            return { clientId: zeroGuid, objectId: zeroGuid, subscriptionId: zeroGuid, tenantId: zeroGuid };
        case "azure-native:authorization:getClientToken":
            return { token: "offline-entra-token" };
        case "azure-native:containerservice:listManagedClusterUserCredentials":
            return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(offlineKubeconfig).toString("base64") }] };
        default:
            throw new Error(`the offline render has no answer for invoke ${token}; add one to tools/capture/offlineCloud.ts`);
    }
}

/** Answers ACR's Entra ID token exchange; any other request is refused (no network offline). */
export const offlineFetch: typeof fetch = async (input) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.endsWith("/oauth2/exchange")) {
        return new Response(JSON.stringify({ refresh_token: "offline-acr-refresh-token" }), { status: 200 });
    }
    throw new Error(`offline render: refusing network request to ${url}`);
};
