// The CrossGuard entry point:
//   pulumi preview --policy-pack policies --policy-pack-config policies/config/prod.json
// Every policy's default enforcement is the production one; config/dev.json and config/local.json
// relax what only matters in production. Rules live in rules/, the offline runner in runner.ts.
import { PolicyPack } from "@pulumi/policy";
import { allPolicies, packName } from "./policies";

new PolicyPack(packName, {
    description: "Istio mesh references, mTLS, resilience semantics, workload hardening and AKS/ACR settings for ecommerce-mesh",
    enforcementLevel: "mandatory",
    policies: [...allPolicies],
});
