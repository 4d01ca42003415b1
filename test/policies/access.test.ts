import { expect } from "chai";
import { defaultInternalRoutes, istioPathRegex } from "../../policies/rules/access";
import { apiRoutes } from "../../services/src/runtime/api-surface";
import type { CapturedResource } from "../../tools/capture/capture";
import { capture, find, summary, violationsOf, withoutResource } from "./support";

describe("policies: zero trust", () => {
    let prod: CapturedResource[];
    beforeEach(async () => {
        prod = await capture("prod");
    });

    describe("authz-least-privilege", () => {
        it("passes: every rule names its callers and operations, the ingress only edge routes", () => {
            expect(violationsOf("authz-least-privilege", prod)).to.deep.equal([]);
        });

        it("blocks the old design: an identity without operations, and the ingress on every route of inventory", () => {
            const rules = find(prod, "AuthorizationPolicy", "inventory").inputs.spec.rules;
            delete rules[2].to; // order, any call
            rules[0].to = [{ operation: { methods: ["GET", "POST", "DELETE"], paths: ["/api/inventory/*"] } }]; // the ingress, everywhere
            expect(summary(violationsOf("authz-least-privilege", prod))).to.deep.equal([
                "inventory: AuthorizationPolicy ecommerce/inventory: rule 1 admits the ingress gateway on the internal route POST /api/inventory/reservations",
                "inventory: AuthorizationPolicy ecommerce/inventory: rule 1 admits the ingress gateway on the internal route DELETE /api/inventory/reservations/:orderId",
                "inventory: AuthorizationPolicy ecommerce/inventory: rule 1 admits the ingress gateway on the internal route POST /api/inventory/reservations/:orderId/consume",
                "inventory: AuthorizationPolicy ecommerce/inventory: rule 3 (from cluster.local/ns/ecommerce/sa/order) does not limit what may be called: no to.operation",
            ]);
        });

        it("flags a rule that admits any source, and an operation without paths", () => {
            const rules = find(prod, "AuthorizationPolicy", "payment").inputs.spec.rules;
            rules.push({ to: [{ operation: { methods: ["POST"] } }] });
            expect(summary(violationsOf("authz-least-privilege", prod))).to.deep.equal([
                "payment: AuthorizationPolicy ecommerce/payment: rule 2 admits any source",
                "payment: AuthorizationPolicy ecommerce/payment: rule 2 (from anyone) does not limit what may be called: an operation without methods or paths",
            ]);
        });

        it("reads Istio path forms: exact, prefix, suffix, presence and {*} templates", () => {
            expect(istioPathRegex("/api/cart/{*}/items").test("/api/cart/1/items")).to.equal(true);
            expect(istioPathRegex("/api/cart/{*}/items").test("/api/cart/1/2/items")).to.equal(false);
            expect(istioPathRegex("/api/{**}").test("/api/a/b")).to.equal(true);
            expect(istioPathRegex("/api/*").test("/api/payments")).to.equal(true);
            expect(istioPathRegex("*/ratings").test("/api/products/1/ratings")).to.equal(true);
            expect(istioPathRegex("/api/payments").test("/api/payments/x")).to.equal(false);
        });

        it("knows the API surface's internal routes (the pack does not import the services)", () => {
            const internal = apiRoutes.filter((route) => route.class === "internal").map(({ method, path }) => ({ method, path }));
            expect(defaultInternalRoutes).to.deep.equal(internal);
        });
    });

    describe("ingress-rate-limit", () => {
        it("passes prod, whose gateway has the local rate limit", () => {
            expect(violationsOf("ingress-rate-limit", prod)).to.deep.equal([]);
        });

        it("blocks prod without the rate limit, and is advisory in dev", async () => {
            const bare = withoutResource(prod, "EnvoyFilter", "ecommerce-gateway-edge-rate-limit");
            const found = violationsOf("ingress-rate-limit", bare);
            expect(summary(found)).to.deep.equal([
                'ecommerce-gateway: Gateway ecommerce/ecommerce-gateway: the ingress gateway has no rate limit (no EnvoyFilter with envoy.filters.http.local_ratelimit on pods labelled {"istio":"ingressgateway"})',
            ]);
            expect(found[0].enforcementLevel).to.equal("mandatory");
            const dev = violationsOf("ingress-rate-limit", await capture("dev", "rateLimit.enabled=false"), "dev");
            expect(dev.map((v) => v.enforcementLevel)).to.deep.equal(["advisory"]);
        });

        const rateLimitConfig = (resources: CapturedResource[]) => find(resources, "EnvoyFilter", "ecommerce-gateway-edge-rate-limit").inputs.spec.configPatches[0].patch.value.typed_config;

        it("blocks a default bucket every request takes (always_consume_default_token_bucket unset: Envoy's default is true)", () => {
            delete rateLimitConfig(prod).always_consume_default_token_bucket;
            expect(summary(violationsOf("ingress-rate-limit", prod))).to.deep.equal([
                "ecommerce-gateway-edge-rate-limit: EnvoyFilter istio-ingress/edge-rate-limit: with 100 clients on one gateway pod, 100 of 100 clients get fewer than their 600 GET requests: the default token_bucket (720 tokens) is taken by every request (always_consume_default_token_bucket unset, default true)",
                "ecommerce-gateway-edge-rate-limit: EnvoyFilter istio-ingress/edge-rate-limit: with 100 clients on one gateway pod, 100 of 100 clients get fewer than their 120 POST requests: the default token_bucket (720 tokens) is taken by every request (always_consume_default_token_bucket unset, default true)",
            ]);
        });

        it("blocks per-client buckets that Envoy evicts (max_dynamic_descriptors unset: 20 clients)", () => {
            delete rateLimitConfig(prod).max_dynamic_descriptors;
            expect(summary(violationsOf("ingress-rate-limit", prod))).to.deep.equal([
                "ecommerce-gateway-edge-rate-limit: EnvoyFilter istio-ingress/edge-rate-limit: with 100 clients on one gateway pod, 100 of 100 clients get more than their 600 GET requests: per-client buckets are evicted and start full (max_dynamic_descriptors unset, default 20)",
                "ecommerce-gateway-edge-rate-limit: EnvoyFilter istio-ingress/edge-rate-limit: with 100 clients on one gateway pod, 100 of 100 clients get more than their 120 POST requests: per-client buckets are evicted and start full (max_dynamic_descriptors unset, default 20)",
            ]);
        });

        it("blocks a gateway Service that keeps externalTrafficPolicy Cluster, and passes ClusterIP", async () => {
            const gateway = find(prod, "Release", "istio-ingressgateway").inputs.values;
            delete gateway.service.externalTrafficPolicy;
            expect(summary(violationsOf("ingress-rate-limit", prod))).to.deep.equal([
                "istio-ingressgateway: gateway chart release istio-ingress/istio-ingressgateway: service.externalTrafficPolicy is unset (Cluster) on a LoadBalancer Service, so nodes replace client addresses with their own and the rate limit's remote_address is a node's",
            ]);
            expect(violationsOf("ingress-rate-limit", await capture("prod", "istio.ingress.serviceType=ClusterIP"))).to.deep.equal([]);
        });
    });
});
