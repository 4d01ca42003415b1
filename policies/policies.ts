// Every policy of the pack, in report order. policies/index.ts serves them to the Pulumi engine;
// policies/runner.ts runs the same objects offline.

import type { PackPolicy } from "./lib/types";
import { accessPolicies } from "./rules/access";
import { azurePolicies } from "./rules/azure";
import { meshReferencePolicies } from "./rules/meshReferences";
import { mtlsPolicies } from "./rules/mtls";
import { resiliencePolicies } from "./rules/resilience";
import { workloadPolicies } from "./rules/workloads";

export const packName = "ecommerce-mesh";

export const allPolicies: readonly PackPolicy[] = [...meshReferencePolicies, ...mtlsPolicies, ...resiliencePolicies, ...workloadPolicies, ...azurePolicies, ...accessPolicies];
