// The one wait of the first deploy: a new AKS RBAC grant is not in effect at the API server
// until Azure has propagated it, so every Kubernetes call waits here, bounded and named.
import * as pulumi from "@pulumi/pulumi";
import { accessReviewProbe, type ResourceAttributes } from "./builders/accessReview";
import { grantPropagation, realClock, waitUntilAllowed } from "./builders/grantPropagation";

export interface GrantWaitArgs {
    /** The deployer's kubeconfig (exec kubelogin), the same the Kubernetes provider uses. */
    kubeconfig: pulumi.Input<string>;
    /** The role assignment waited for: its id changes when another principal runs Pulumi, and the wait runs again. */
    roleAssignmentId: pulumi.Input<string>;
    /** What the error calls the grant, e.g. "AKS RBAC Cluster Admin on ecommerce-mesh-prod". */
    grant: string;
}

interface WaitInputs {
    kubeconfig: string;
    roleAssignmentId: string;
    grant: string;
    attributes: ResourceAttributes;
    timeoutMs: number;
    intervalMs: number;
}

/** Creating a CRD needs cluster admin, and the first Helm release (Istio's base chart) does it first. */
const clusterAdminCheck: ResourceAttributes = { verb: "create", group: "apiextensions.k8s.io", resource: "customresourcedefinitions" };

async function waitForGrant(inputs: WaitInputs): Promise<void> {
    await waitUntilAllowed(accessReviewProbe(inputs.kubeconfig, inputs.attributes), {
        what: `${inputs.grant} (role assignment ${inputs.roleAssignmentId})`,
        timeoutMs: inputs.timeoutMs,
        intervalMs: inputs.intervalMs,
        clock: realClock,
    });
}

/** Runs in the engine's dynamic provider host: create and update poll until the grant answers. */
export const grantWaitProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: WaitInputs) {
        await waitForGrant(inputs);
        return { id: inputs.roleAssignmentId, outs: inputs };
    },
    async update(_id: string, _olds: WaitInputs, news: WaitInputs) {
        await waitForGrant(news);
        return { outs: news };
    },
};

export class GrantWait extends pulumi.dynamic.Resource {
    constructor(name: string, args: GrantWaitArgs, opts?: pulumi.CustomResourceOptions) {
        // A dynamic provider's outputs are plain unless named here: the kubeconfig stays a secret in the state.
        super(grantWaitProvider, name, { ...args, attributes: clusterAdminCheck, ...grantPropagation }, { ...opts, additionalSecretOutputs: ["kubeconfig"] });
    }
}
