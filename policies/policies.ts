// Every policy of the pack, in report order. policies/index.ts serves them to the Pulumi engine;
// policies/runner.ts runs the same objects offline.

import type { PackPolicy } from "./lib/types";
import { accessPolicies } from "./rules/access";
import { azurePolicies } from "./rules/azure";
import { chaosPolicies } from "./rules/chaos";
import { databasePolicies } from "./rules/database";
import { meshReferencePolicies } from "./rules/meshReferences";
import { mtlsPolicies } from "./rules/mtls";
import { perimeterPolicies } from "./rules/perimeter";
import { placeholderPolicies } from "./rules/placeholders";
import { privateAccessPolicies } from "./rules/privateAccess";
import { resiliencePolicies } from "./rules/resilience";
import { routesServedPolicies } from "./rules/routesServed";
import { versionPolicies } from "./rules/versions";
import { workloadPolicies } from "./rules/workloads";

export const packName = "ecommerce-mesh";

export const allPolicies: readonly PackPolicy[] = [...meshReferencePolicies, ...mtlsPolicies, ...resiliencePolicies, ...workloadPolicies, ...azurePolicies, ...perimeterPolicies, ...privateAccessPolicies, ...versionPolicies, ...databasePolicies, ...accessPolicies, ...routesServedPolicies, ...placeholderPolicies, ...chaosPolicies];
