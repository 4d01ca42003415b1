import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { describePolicies, formatViolation, loadPolicyConfig, type PolicyConfig, PolicyConfigError, resolvePolicyConfig, runPolicies } from "../../policies/runner";
import { allPolicies } from "../../policies/policies";
import type { CapturedResource } from "../../tools/capture/capture";
import { capture, find } from "./support";

describe("policies: offline runner", () => {
    let prod: CapturedResource[];
    beforeEach(async () => {
        prod = await capture("prod");
    });

    it("has unique policy names, each description naming its istioctl/Kyverno/Gatekeeper/Azure equivalent", () => {
        const names = allPolicies.map((p) => p.name);
        expect(new Set(names).size).to.equal(names.length);
        for (const policy of allPolicies) {
            expect(policy.description, policy.name).to.match(/Equivalent: /);
        }
    });

    it("every config file names every policy and nothing else, and is valid against the schemas", () => {
        for (const environment of ["local", "dev", "prod"]) {
            const config = loadPolicyConfig(environment);
            expect(Object.keys(config).sort(), environment).to.deep.equal(allPolicies.map((p) => p.name).sort());
            expect(() => resolvePolicyConfig(config)).not.to.throw();
        }
    });

    it("reconciles config like the Pulumi CLI: schema defaults, then all, then per policy", () => {
        const resolved = resolvePolicyConfig({ all: "advisory", "workload-high-availability": { enforcementLevel: "mandatory", minReplicas: 3 } });
        const ha = resolved.find((r) => r.policy.name === "workload-high-availability")!;
        const registry = resolved.find((r) => r.policy.name === "image-allowed-registry")!;
        expect([ha.enforcementLevel, ha.properties]).to.deep.equal(["mandatory", { minReplicas: 3 }]);
        expect([registry.enforcementLevel, registry.properties]).to.deep.equal(["advisory", { allowedRegistries: [], includeStackRegistries: true }]);
    });

    it("rejects unknown policies, unknown settings and mistyped values", () => {
        expect(() => resolvePolicyConfig({ "pod-probe": "mandatory" })).to.throw(PolicyConfigError, "pod-probe: not a policy");
        expect(() => resolvePolicyConfig({ "workload-high-availability": { minReplica: 2 } })).to.throw(PolicyConfigError, "workload-high-availability.minReplica: not a setting");
        expect(() => resolvePolicyConfig({ "workload-high-availability": { minReplicas: "2" } })).to.throw(PolicyConfigError, 'minReplicas: "2" is not of type integer');
        expect(() => resolvePolicyConfig({ "pod-probes": "strict" as never })).to.throw(PolicyConfigError, 'enforcementLevel "strict"');
    });

    it("skips disabled policies and reports advisory ones as advisory", () => {
        find(prod, "Deployment", "cart-v1").inputs.spec.template.spec.containers[0].image = "cart:latest";
        const policies = (config: PolicyConfig) => runPolicies(prod, { config, only: ["image-pinned-tag", "image-allowed-registry"] }).map((v) => `${v.enforcementLevel} ${v.policy}`);
        expect(policies({})).to.deep.equal(["mandatory image-pinned-tag", "mandatory image-allowed-registry"]);
        expect(policies({ "image-pinned-tag": "disabled", "image-allowed-registry": "advisory" })).to.deep.equal(["advisory image-allowed-registry"]);
    });

    it("names the resource and keeps the fix apart from the message", () => {
        find(prod, "Deployment", "cart-v1").inputs.spec.template.spec.containers[0].image = "cart:latest";
        const [violation] = runPolicies(prod, { environment: "prod", only: ["image-pinned-tag"] });
        expect(violation.resource).to.deep.equal({ urn: find(prod, "Deployment", "cart-v1").urn, type: "kubernetes:apps/v1:Deployment", name: "cart-v1" });
        expect(violation.message).to.equal('Deployment ecommerce/cart-v1: container "cart" runs image "cart:latest", tagged latest (not pinned)');
        expect(violation.fix).to.equal("Pin the image to a release tag or git SHA (stack config images.tag), or to a digest.");
        expect(formatViolation(violation)).to.equal(`[mandatory] image-pinned-tag: ${violation.message} — Fix: ${violation.fix}`);
    });

    it("gives a stack policy's settings through getConfig", () => {
        const strict = runPolicies(prod, { config: { "workload-high-availability": { minReplicas: 3 } }, only: ["workload-high-availability"] });
        expect(strict.map((v) => v.resource?.name)).to.deep.equal(["cart-v1", "user-v1", "inventory-v1", "shipping-v1", "notification-v1"]);
    });

    it("lists the policies with their level under a config", () => {
        const dev = describePolicies(loadPolicyConfig("dev"));
        expect(dev.find((p) => p.name === "no-fault-injection")?.enforcementLevel).to.equal("advisory");
        const prodAdvisories = describePolicies(loadPolicyConfig("prod")).filter((p) => p.enforcementLevel !== "mandatory");
        expect(prodAdvisories.map((p) => p.name)).to.deep.equal(["timeout-covers-downstream-calls", "azure-no-example-ids", "support-table-knows-version", "auth-placeholder"]);
    });

    it("leaves the per-policy table to the generated reference, so levels and checks have one source", () => {
        const readme = readFileSync(path.join(__dirname, "..", "..", "policies", "README.md"), "utf8");
        expect(readme).to.contain("](../docs/reference/policies.md)");
        expect(readme).not.to.match(/^\| `[a-z*-]+` \| [MA–] \| [MA–] \| [MA–] \|/m);
    });

    it("skips computed values the engine does not know during a preview instead of failing the policy", () => {
        class UnknownValueError extends Error {}
        const deployment = find(prod, "Deployment", "cart-v1");
        const container = deployment.inputs.spec.template.spec.containers[0];
        Object.defineProperty(container, "image", {
            enumerable: true,
            get() {
                throw new UnknownValueError("image is computed");
            },
        });
        expect(runPolicies(prod, { environment: "prod", only: ["image-pinned-tag", "image-allowed-registry"] })).to.deep.equal([]);
    });
});
