// The acceptance criteria of the policy pack, run as the whole pack under each environment's
// config (policies/config/<env>.json), exactly as the offline render and `pulumi preview
// --policy-pack policies --policy-pack-config policies/config/<env>.json` apply it.

import { expect } from "chai";
import { catalog, serviceNames } from "../../stacks/catalog";
import { loadPolicyConfig, mandatory, runPolicies, type Violation } from "../../policies/runner";
import { capture, find, type StackName } from "./support";

const byPolicy = (violations: Violation[]) => violations.map((v) => `${v.policy} ${v.resource?.name ?? "<stack>"}`);

describe("policies: acceptance", () => {
    it("the shipped Pulumi.prod.yaml has no finding at all: private registry, HTTPS at the Gateway", async () => {
        const violations = runPolicies(await capture("prod"), { environment: "prod" });
        expect(violations.map((v) => `${v.enforcementLevel} ${v.policy} ${v.resource?.name}`)).to.deep.equal([]);
    });

    it("blocks prod serving plain HTTP, even with a front end named (istio-gateway-tls is mandatory in prod)", async () => {
        const violations = runPolicies(await capture("prod", "edge.allowPlaintextHttp=true", "edge.tlsTerminatedBy=Azure Front Door"), { environment: "prod" });
        expect(byPolicy(mandatory(violations))).to.deep.equal(["istio-gateway-tls ecommerce-gateway"]);
    });

    it("blocks prod with a public registry (registry.privateEndpoint false)", async () => {
        const violations = runPolicies(await capture("prod", "registry.privateEndpoint=false"), { environment: "prod" });
        expect(byPolicy(mandatory(violations))).to.deep.equal(["acr-private-network registry"]);
    });

    for (const stack of ["dev", "local"] as StackName[]) {
        it(`the shipped Pulumi.${stack}.yaml has no mandatory violation under config/${stack}.json`, async () => {
            const violations = runPolicies(await capture(stack), { environment: stack });
            expect(byPolicy(mandatory(violations))).to.deep.equal([]);
        });
    }

    it("dev reports only advisories: the fault demo, single replicas, public registry and API server", async () => {
        const violations = runPolicies(await capture("dev"), { environment: "dev" });
        const counts: Record<string, number> = {};
        for (const v of violations) {
            counts[`${v.enforcementLevel} ${v.policy}`] = (counts[`${v.enforcementLevel} ${v.policy}`] ?? 0) + 1;
        }
        expect(counts).to.deep.equal({
            "advisory no-fault-injection": 2,
            "advisory workload-high-availability": 9,
            "advisory ingress-gateway-availability": 1,
            "advisory aks-api-server-access": 1,
            "advisory acr-private-network": 1,
        });
    });

    it("local reports nothing: no Azure resources, HA checks off, images from localhost:5001, plain HTTP allowed on kind", async () => {
        expect(byPolicy(runPolicies(await capture("local"), { environment: "local" }))).to.deep.equal([]);
    });

    it("the dev stack would be blocked under the prod config (public API server and registry, faults, one replica, one gateway pod, small user pool, a database without HA)", async () => {
        const blocked = new Set(mandatory(runPolicies(await capture("dev"), { environment: "prod" })).map((v) => v.policy));
        expect([...blocked].sort()).to.deep.equal(["acr-private-network", "aks-api-server-access", "aks-autoscaling-user-pool", "ingress-gateway-availability", "no-fault-injection", "postgres-ha-and-geo-backup", "workload-high-availability"]);
    });

    describe("prod configs that must be blocked", () => {
        const blockedBy = async (...overrides: string[]) => mandatory(runPolicies(await capture("prod", ...overrides), { environment: "prod" }));

        it("mtls PERMISSIVE → mtls-mesh-wide-strict on PeerAuthentication istio-system/default", async () => {
            const found = await blockedBy("mtls=PERMISSIVE");
            expect(byPolicy(found)).to.deep.equal(["mtls-mesh-wide-strict mesh-mtls"]);
            expect(found[0].message).to.contain("PeerAuthentication istio-system/default");
        });

        it("a product fault with a 2s delay → no-fault-injection on the mesh and the edge VirtualService", async () => {
            const found = await blockedBy("services.product.faults.header=x-fault-inject", "services.product.faults.delay.percentage=100", "services.product.faults.delay.fixedDelay=2s");
            expect(byPolicy(found)).to.deep.equal(["no-fault-injection product", "no-fault-injection ecommerce-gateway"]);
        });

        it("images.tag=latest → rejected by the stack config, and a latest image in a Deployment → image-pinned-tag", async () => {
            let configError: Error | undefined;
            await capture("prod", "images.tag=latest").catch((error: Error) => (configError = error));
            expect(configError?.message).to.match(/ecommerce-mesh:images\.tag: "latest" is not allowed/);

            const resources = await capture("prod");
            for (const name of ["product-v1", "product-v2"]) {
                const spec = find(resources, "Deployment", name).inputs.spec.template.spec;
                spec.containers[0].image = spec.containers[0].image.replace(/:[^:/]+$/, ":latest");
            }
            const found = mandatory(runPolicies(resources, { environment: "prod" }));
            expect(byPolicy(found)).to.deep.equal(["image-pinned-tag product-v1", "image-pinned-tag product-v2"]);
        });

        it("order.retries.writeRetryOn=5xx,connect-failure → no-unsafe-retry-on-non-idempotent for POST /api/orders", async () => {
            const found = await blockedBy("services.order.retries.writeRetryOn=5xx,connect-failure");
            expect(byPolicy(found)).to.deep.equal(["no-unsafe-retry-on-non-idempotent order", "no-unsafe-retry-on-non-idempotent ecommerce-gateway"]);
            expect(found[1].message).to.contain('route "order-default" can match POST to order.ecommerce.svc.cluster.local');
        });

        it("a canary weight move (product 25%) is not blocked: mesh and edge move together", async () => {
            expect(byPolicy(await blockedBy("services.product.canary.weight=25"))).to.deep.equal([]);
        });
    });

    it("the non-idempotent services in every config are the catalog's idempotentWrites: false services", () => {
        const fromCatalog = serviceNames.filter((name) => !catalog[name].idempotentWrites);
        for (const environment of ["local", "dev", "prod"]) {
            const entry = loadPolicyConfig(environment)["no-unsafe-retry-on-non-idempotent"] as { nonIdempotentServices: string[] };
            expect(entry.nonIdempotentServices, environment).to.deep.equal(fromCatalog);
        }
    });
});
