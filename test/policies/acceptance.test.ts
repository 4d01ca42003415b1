// The acceptance criteria of the policy pack, run as the whole pack under each environment's
// config (policies/config/<env>.json), exactly as the offline render and `pulumi preview
// --policy-pack policies --policy-pack-config policies/config/<env>.json` apply it.

import { expect } from "chai";
import { apiRoutes, retrySafe } from "../../services/src/runtime/api-surface";
import { serviceNames } from "../../stacks/catalog";
import { loadPolicyConfig, mandatory, runPolicies, type Violation } from "../../policies/runner";
import { capture, find, type StackName } from "./support";

const byPolicy = (violations: Violation[]) => violations.map((v) => `${v.policy} ${v.resource?.name ?? "<stack>"}`);

describe("policies: acceptance", () => {
    it("the shipped Pulumi.prod.yaml passes every mandatory policy (private registry, HTTPS at the Gateway); its advisories are the example ids", async () => {
        const violations = runPolicies(await capture("prod"), { environment: "prod" });
        expect(byPolicy(mandatory(violations))).to.deep.equal([]);
        expect(violations.map((v) => `${v.enforcementLevel} ${v.policy} ${v.resource?.name}`)).to.deep.equal([
            "advisory azure-no-example-ids deployer-to-deployer",
            "advisory azure-no-example-ids aks",
            "advisory auth-placeholder ecommerce-gateway-end-user-jwt",
            "advisory auth-placeholder ecommerce-gateway-end-user-jwt",
        ]);
    });

    it("prod with a real tenant, its own admin group and its runner network has no finding at all", async () => {
        const tenant = "https://contoso.ciamlogin.com/1b2c3d4e-0000-4000-8000-000000000001";
        const own = [
            `auth.issuer=${tenant}/v2.0`,
            `auth.jwksUri=${tenant}/discovery/v2.0/keys`,
            "cluster.adminGroupObjectIds=[\"6f1c2a4e-8d3b-4c5a-9e7f-1a2b3c4d5e6f\"]",
            "deployer.network.virtualNetworkId=/subscriptions/6f1c2a4e-8d3b-4c5a-9e7f-1a2b3c4d5e6f/resourceGroups/runners/providers/Microsoft.Network/virtualNetworks/runners",
        ];
        const violations = runPolicies(await capture("prod", ...own), { environment: "prod" });
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
            "advisory no-fault-injection": 1,
            "advisory workload-high-availability": 9,
            "advisory ingress-gateway-availability": 1,
            "advisory aks-api-server-access": 1,
            "advisory acr-private-network": 1,
            "advisory auth-placeholder": 2,
            "advisory aks-standard-tier": 1,
        });
    });

    it("local reports nothing: no Azure resources, HA checks off, images from localhost:5001, plain HTTP allowed on kind", async () => {
        expect(byPolicy(runPolicies(await capture("local"), { environment: "local" }))).to.deep.equal([]);
    });

    it("the dev stack would be blocked under the prod config (public API server and registry, faults, chaos, one replica, one gateway pod, small user pool, a database without HA, the Free tier)", async () => {
        const blocked = new Set(mandatory(runPolicies(await capture("dev"), { environment: "prod" })).map((v) => v.policy));
        expect([...blocked].sort()).to.deep.equal(["acr-private-network", "aks-api-server-access", "aks-autoscaling-user-pool", "aks-standard-tier", "ingress-gateway-availability", "no-chaos-in-prod", "no-fault-injection", "postgres-ha-and-geo-backup", "workload-high-availability"]);
    });

    describe("prod configs that must be blocked", () => {
        const blockedBy = async (...overrides: string[]) => mandatory(runPolicies(await capture("prod", ...overrides), { environment: "prod" }));

        it("mtls PERMISSIVE → mtls-mesh-wide-strict on PeerAuthentication istio-system/default", async () => {
            const found = await blockedBy("mtls=PERMISSIVE");
            expect(byPolicy(found)).to.deep.equal(["mtls-mesh-wide-strict mesh-mtls"]);
            expect(found[0].message).to.contain("PeerAuthentication istio-system/default");
        });

        it("chaos.enabled=true → no-chaos-in-prod on every service Deployment", async () => {
            const found = await blockedBy("chaos.enabled=true");
            expect([...new Set(found.map((v) => v.policy))]).to.deep.equal(["no-chaos-in-prod"]);
            expect(byPolicy(found)).to.include("no-chaos-in-prod payment-v1");
        });

        it("a product fault with a 2s delay → no-fault-injection on the mesh VirtualService (the edge has no fault route)", async () => {
            const found = await blockedBy("services.product.faults.header=x-fault-inject", "services.product.faults.delay.percentage=100", "services.product.faults.delay.fixedDelay=2s");
            expect(byPolicy(found)).to.deep.equal(["no-fault-injection product"]);
        });

        it("images.tag=latest → rejected by the stack config, and a latest image in a Deployment → image-pinned-tag", async () => {
            let configError: Error | undefined;
            await capture("prod", "images.tag=latest").catch((error: Error) => (configError = error));
            expect(configError?.message).to.match(/ecommerce-mesh:images\.tag: "latest" is not allowed/);

            const resources = await capture("prod");
            for (const name of ["product-v1", "product-v2"]) {
                const spec = find(resources, "Deployment", name).inputs.spec.template.spec;
                spec.containers[0].image = spec.containers[0].image.replace(/:[^:/@]+(@sha256:\w+)?$/, ":latest");
            }
            const found = mandatory(runPolicies(resources, { environment: "prod" }));
            expect(byPolicy(found)).to.deep.equal(["image-pinned-tag product-v1", "image-pinned-tag product-v2", "image-pinned-by-digest product-v1", "image-pinned-by-digest product-v2"]);
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

    it("the non-idempotent services in every config are those with a write the API surface marks idempotent: false", () => {
        const fromCatalog = serviceNames.filter((name) => apiRoutes.some((route) => route.service === name && !retrySafe(route)));
        for (const environment of ["local", "dev", "prod"]) {
            const entry = loadPolicyConfig(environment)["no-unsafe-retry-on-non-idempotent"] as { nonIdempotentServices: string[] };
            expect(entry.nonIdempotentServices, environment).to.deep.equal(fromCatalog);
        }
    });
});
