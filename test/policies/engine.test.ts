// The offline runner must report what the Pulumi engine reports: the same pack served by the
// policy SDK over gRPC (type-checked by @pulumi/pulumi's run-policy-pack, configured the way the
// CLI reconciles --policy-pack-config) must produce the same diagnostics for the same resources.

import { expect } from "chai";
import { allPolicies } from "../../policies/policies";
import { loadPolicyConfig, resolvePolicyConfig, runPolicies, type Violation } from "../../policies/runner";
import type { CapturedResource } from "../../tools/capture/capture";
import { type EngineDiagnostic, packInstalled, PolicyPackProcess, unknownValue } from "./engine";
import { capture, find, type StackName } from "./support";

const fromRunner = (violations: Violation[]) =>
    violations.map((v) => `${v.enforcementLevel} ${v.policy} ${v.resource?.urn ?? ""}\n${v.description}\n${v.message}\nFix: ${v.fix}`).sort();
const fromEngine = (diagnostics: EngineDiagnostic[]) => diagnostics.map((d) => `${d.enforcementLevel} ${d.policy} ${d.urn}\n${d.message}`).sort();

describe("policies: offline runner matches the Pulumi policy SDK server", function () {
    this.timeout(180_000);
    let pack: PolicyPackProcess | undefined;

    before(async function () {
        if (!packInstalled()) {
            this.skip(); // policies/node_modules not installed (npm ci --prefix policies)
        }
        pack = await PolicyPackProcess.start();
    });
    after(() => pack?.stop());

    it("serves every policy of the pack, mandatory unless configured otherwise", async () => {
        const served = await pack!.policyNames();
        expect(served.map((p) => p.name)).to.deep.equal(allPolicies.map((p) => p.name));
    });

    const compare = async (environment: StackName, resources: CapturedResource[]) => {
        const resolved = resolvePolicyConfig(loadPolicyConfig(environment));
        await pack!.configure(resolved);
        const engine = fromEngine(await pack!.analyze(resources));
        expect(engine).to.deep.equal(fromRunner(runPolicies(resources, { environment })));
        return engine;
    };

    for (const stack of ["prod", "dev", "local"] as StackName[]) {
        it(`gives the same diagnostics for the shipped ${stack} stack under config/${stack}.json`, async () => {
            await compare(stack, await capture(stack));
        });
    }

    it("gives the same diagnostics for a prod stack that breaks many rules at once", async () => {
        const resources = await capture("prod", "mtls=PERMISSIVE", "services.order.retries.writeRetryOn=5xx,connect-failure", "services.product.faults.header=x-fault-inject", "services.product.faults.abort.percentage=5", "services.product.faults.abort.httpStatus=503");
        find(resources, "Deployment", "cart-v1").inputs.spec.template.spec.containers[0].image = "docker.io/library/cart:latest";
        find(resources, "DestinationRule", "user").inputs.spec.subsets[0].labels = { version: "v0" };
        const engine = await compare("prod", resources);
        expect(engine.map((line) => line.split(" ").slice(0, 2).join(" ")).filter((line) => line.startsWith("mandatory") || line.endsWith("istio-gateway-tls"))).to.deep.equal([
            "mandatory image-allowed-registry",
            "mandatory image-pinned-by-digest",
            "mandatory image-pinned-tag",
            "mandatory istio-dr-subset-selects-pods",
            "mandatory mtls-mesh-wide-strict",
            "mandatory no-fault-injection",
            "mandatory no-unsafe-retry-on-non-idempotent",
            "mandatory no-unsafe-retry-on-non-idempotent",
        ]);
    });

    it("skips an image that is unknown during preview rather than failing the policy", async () => {
        const resources = await capture("prod");
        find(resources, "Deployment", "cart-v1").inputs.spec.template.spec.containers[0].image = unknownValue;
        await pack!.configure(resolvePolicyConfig(loadPolicyConfig("prod")));
        const diagnostics = await pack!.analyze(resources);
        expect(diagnostics.filter((d) => d.policy.startsWith("image-") || d.message.includes("can't run"))).to.deep.equal([]);
        expect(new Set(diagnostics.map((d) => d.policy))).to.deep.equal(new Set(["azure-no-example-ids", "auth-placeholder"]));
    });
});
