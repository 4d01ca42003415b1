import { expect } from "chai";
import { maxEjectedHosts, routeCanMatchMethod } from "../../policies/rules/resilience";
import type { CapturedResource } from "../../tools/capture/capture";
import { capture, find, summary, violationsOf } from "./support";

const faultDelay = ["services.product.faults.header=x-fault-inject", "services.product.faults.delay.percentage=100", "services.product.faults.delay.fixedDelay=2s"];

describe("policies: resilience", () => {
    let prod: CapturedResource[];
    beforeEach(async () => {
        prod = await capture("prod");
    });

    describe("retry-budget-fits-timeout", () => {
        it("passes the shipped budgets, including payment's exact fit (2 retries + 1 try) × 5s = 15s", () => {
            expect(violationsOf("retry-budget-fits-timeout", prod)).to.deep.equal([]);
        });

        it("counts the first try: 3 retries × 5s = 15s would fit, but Envoy's 4 tries × 5s = 20s do not", async () => {
            const found = violationsOf("retry-budget-fits-timeout", await capture("prod", "services.payment.retries.attempts=3"));
            // The edge does not route payment (an internal service), so only its own VirtualService counts.
            expect(found.map((v) => v.resource?.name)).to.deep.equal(["payment", "payment"]);
            expect(found[0].message).to.equal('VirtualService ecommerce/payment: route "payment-reads" allows 4 tries × 5s = 20s, more than its 15s timeout, so the last retries are cut off');
            expect(found[0].fix).to.contain("Raise timeout to at least 20s");
        });
    });

    describe("timeout-covers-downstream-calls", () => {
        it("passes dev and prod under the reference defaults: cart's 8s tries cover inventory, order's 15s tries cover payment", async () => {
            expect(violationsOf("timeout-covers-downstream-calls", await capture("dev"), "dev")).to.deep.equal([]);
        });

        it("flags dev when cart's try is shortened back below inventory's budget", async () => {
            const found = violationsOf("timeout-covers-downstream-calls", await capture("dev", "services.cart.retries.perTryTimeout=2s"), "dev");
            expect(found.every((v) => v.enforcementLevel === "advisory")).to.equal(true);
            expect(found.map((v) => v.message)).to.include(
                'VirtualService ecommerce/cart: a try of route "cart-default" is cut after 2s, but cart calls inventory.ecommerce.svc.cluster.local, whose route allows up to 8s (its own retries included); the caller gives up first',
            );
        });

        it("passes prod, whose order and cart tries cover their callees (15s and 8s)", () => {
            expect(violationsOf("timeout-covers-downstream-calls", prod)).to.deep.equal([]);
        });

        it("flags prod again when order's try is shortened below payment's budget", async () => {
            const found = violationsOf("timeout-covers-downstream-calls", await capture("prod", "services.order.retries.perTryTimeout=10s"));
            expect(found.map((v) => v.resource?.name)).to.deep.equal(["order"]);
            expect(found[0].message).to.contain("is cut after 10s, but order calls payment.ecommerce.svc.cluster.local, whose route allows up to 15s");
        });
    });

    describe("no-retries-with-fault-injection", () => {
        it("passes the dev fault demo, whose fault route has attempts 0", async () => {
            expect(violationsOf("no-retries-with-fault-injection", await capture("dev"), "dev")).to.deep.equal([]);
        });

        it("flags retries on a route that injects a fault", async () => {
            const dev = await capture("dev");
            find(dev, "VirtualService", "product").inputs.spec.http.find((r: { name: string }) => r.name === "product-fault-injection").retries = { attempts: 3, perTryTimeout: "1s", retryOn: "5xx" };
            const found = violationsOf("no-retries-with-fault-injection", dev, "dev");
            expect(summary(found)).to.deep.equal(['product: VirtualService ecommerce/product: route "product-fault-injection" injects faults but asks for 3 retries']);
        });
    });

    describe("no-unsafe-retry-on-non-idempotent", () => {
        it("passes: order and payment retry POSTs only on connect-failure,refused-stream", () => {
            expect(violationsOf("no-unsafe-retry-on-non-idempotent", prod)).to.deep.equal([]);
        });

        it("blocks prod when order retries writes on 5xx (POST /api/orders at the edge and in the mesh)", async () => {
            const found = violationsOf("no-unsafe-retry-on-non-idempotent", await capture("prod", "services.order.retries.writeRetryOn=5xx,connect-failure"));
            expect(found.map((v) => [v.resource?.name, v.enforcementLevel])).to.deep.equal([
                ["order", "mandatory"],
                ["ecommerce-gateway", "mandatory"],
            ]);
            expect(found[0].message).to.contain('route "order-default" can match POST to order.ecommerce.svc.cluster.local').and.contain("retrying on 5xx");
            expect(found[1].message).to.contain("VirtualService ecommerce/ecommerce-gateway");
        });

        it("flags a route that leaves Istio's default retry policy in place", () => {
            delete find(prod, "VirtualService", "payment").inputs.spec.http[1].retries;
            const found = violationsOf("no-unsafe-retry-on-non-idempotent", prod);
            expect(found).to.have.length(1);
            expect(found[0].message).to.contain("no retries block, so Istio's default policy retrying on unavailable, cancelled, retriable-status-codes");
        });

        it("does not flag 5xx retries on the reads route, which cannot match POST", () => {
            expect(routeCanMatchMethod({ match: [{ method: { regex: "GET|HEAD|OPTIONS" } }] }, "POST")).to.equal(false);
            expect(routeCanMatchMethod({ match: [{ method: { regex: "GET|HEAD|OPTIONS" } }, { uri: { prefix: "/x" } }] }, "POST")).to.equal(true);
            expect(routeCanMatchMethod({}, "POST")).to.equal(true);
        });
    });

    describe("outlier-detection-safe-ejection", () => {
        it("computes the most hosts any Envoy release ejects", () => {
            expect([maxEjectedHosts(1, 50), maxEjectedHosts(2, 50), maxEjectedHosts(3, 50), maxEjectedHosts(3, 67), maxEjectedHosts(4, 10), maxEjectedHosts(3, 0)]).to.deep.equal([1, 1, 2, 3, 1, 0]);
        });

        it("passes prod (≥2 pods per subset, 50%) and dev (1 pod, but minHealthPercent 50 keeps panic routing)", async () => {
            expect(violationsOf("outlier-detection-safe-ejection", prod)).to.deep.equal([]);
            expect(violationsOf("outlier-detection-safe-ejection", await capture("dev"), "dev")).to.deep.equal([]);
        });

        it("flags a pool that can lose every pod: maxEjectionPercent 100 and minHealthPercent 0", async () => {
            const found = violationsOf("outlier-detection-safe-ejection", await capture("prod", "services.cart.outlierDetection.maxEjectionPercent=100", "services.cart.outlierDetection.minHealthPercent=0"));
            expect(summary(found)).to.deep.equal([
                "cart: DestinationRule ecommerce/cart: (all pods) has 2 pod(s) and maxEjectionPercent 100, so Envoy may eject 2 of 2 (every pod) and, with minHealthPercent 0 (panic routing off), return 503 for the whole pool",
                "cart: DestinationRule ecommerce/cart: subset v1 has 2 pod(s) and maxEjectionPercent 100, so Envoy may eject 2 of 2 (every pod) and, with minHealthPercent 0 (panic routing off), return 503 for the whole pool",
            ]);
        });

        it("flags a multi-replica service without outlier detection", () => {
            delete find(prod, "DestinationRule", "shipping").inputs.spec.trafficPolicy.outlierDetection;
            const found = violationsOf("outlier-detection-safe-ejection", prod);
            expect(summary(found)).to.deep.equal([
                "shipping: DestinationRule ecommerce/shipping: 2 pods serve shipping.ecommerce.svc.cluster.local but no outlier detection ejects a failing one, so it keeps getting its share of requests",
            ]);
        });
    });

    describe("istio-no-deprecated-fields", () => {
        it("passes the shipped objects (consecutive5xxErrors, percentage.value, LEAST_REQUEST)", () => {
            expect(violationsOf("istio-no-deprecated-fields", prod)).to.deep.equal([]);
        });

        it("flags consecutiveErrors, fault percent and LEAST_CONN", async () => {
            const dev = await capture("dev");
            const policy = find(dev, "DestinationRule", "product").inputs.spec.trafficPolicy;
            policy.outlierDetection.consecutiveErrors = 5;
            policy.loadBalancer.simple = "LEAST_CONN";
            find(dev, "VirtualService", "product").inputs.spec.http.find((r: { name: string }) => r.name === "product-fault-injection").fault.delay.percent = 100;
            const found = violationsOf("istio-no-deprecated-fields", dev, "prod");
            expect(found.map((v) => v.message)).to.deep.equal([
                'VirtualService ecommerce/product: http "product-fault-injection" fault.delay.percent is deprecated in Istio and may stop working',
                "DestinationRule ecommerce/product: trafficPolicy.outlierDetection.consecutiveErrors is deprecated in Istio and may stop working",
                "DestinationRule ecommerce/product: trafficPolicy.loadBalancer.simple LEAST_CONN is deprecated in Istio and may stop working",
            ]);
        });

        it("flags the removed fault.abort.percent as removed, not merely deprecated", async () => {
            const prodWithAbort = await capture("prod", "services.cart.faults.header=x-fault", "services.cart.faults.abort.percentage=1", "services.cart.faults.abort.httpStatus=503");
            find(prodWithAbort, "VirtualService", "cart").inputs.spec.http[0].fault.abort.percent = 1;
            expect(violationsOf("istio-no-deprecated-fields", prodWithAbort).map((v) => v.message)).to.deep.equal([
                "VirtualService ecommerce/cart: http \"cart-fault-injection\" fault.abort.percent was removed from Istio's API (the CRD rejects it)",
            ]);
        });

        it("accepts ROUND_ROBIN, which is not deprecated", async () => {
            expect(violationsOf("istio-no-deprecated-fields", await capture("prod", "services.user.loadBalancer=ROUND_ROBIN"))).to.deep.equal([]);
        });
    });

    describe("no-fault-injection", () => {
        it("passes prod, which has no faults", () => {
            expect(violationsOf("no-fault-injection", prod)).to.deep.equal([]);
        });

        it("blocks prod when services.product.faults adds a delay (on the mesh route; the edge has none)", async () => {
            const found = violationsOf("no-fault-injection", await capture("prod", ...faultDelay));
            expect(found.map((v) => [v.resource?.name, v.enforcementLevel])).to.deep.equal([["product", "mandatory"]]);
            expect(found[0].message).to.equal('VirtualService ecommerce/product: route "product-fault-injection" injects a 2s delay');
        });

        it("only advises in dev, where the opt-in fault demo is shipped", async () => {
            const found = violationsOf("no-fault-injection", await capture("dev"), "dev");
            expect(found.map((v) => v.enforcementLevel)).to.deep.equal(["advisory"]);
        });
    });
});
