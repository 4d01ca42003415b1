import { expect } from "chai";
import type { CapturedResource } from "../../tools/capture/capture";
import { capture, find, summary, violationsOf, withoutResource } from "./support";

describe("policies: mesh references", () => {
    let prod: CapturedResource[];
    let dev: CapturedResource[];
    // Fresh copies for every test: each one mutates its own.
    beforeEach(async () => {
        prod = await capture("prod");
        dev = await capture("dev");
    });

    describe("istio-vs-destination-host-exists", () => {
        it("passes when every destination is a deployed Service", () => {
            expect(violationsOf("istio-vs-destination-host-exists", prod)).to.deep.equal([]);
        });

        it("flags a destination host with no Service (a typo in the FQDN)", () => {
            const vs = find(prod, "VirtualService", "payment");
            vs.inputs.spec.http[1].route[0].destination.host = "payments.ecommerce.svc.cluster.local";
            const found = violationsOf("istio-vs-destination-host-exists", prod);
            expect(found).to.have.length(1);
            expect(found[0].resource?.name).to.equal("payment");
            expect(found[0].enforcementLevel).to.equal("mandatory");
            expect(found[0].message).to.contain("VirtualService ecommerce/payment").and.contain("payments.ecommerce.svc.cluster.local");
            expect(found[0].fix).to.match(/Service FQDN/);
        });

        it("accepts a host declared by a ServiceEntry", () => {
            const vs = find(prod, "VirtualService", "payment");
            vs.inputs.spec.http[1].route[0].destination = { host: "api.payments.example.com", port: { number: 443 } };
            expect(violationsOf("istio-vs-destination-host-exists", prod)).to.have.length(1);
            const entry = structuredClone(find(prod, "DestinationRule", "payment"));
            entry.type = "kubernetes:networking.istio.io/v1:ServiceEntry";
            entry.name = "payment-provider";
            entry.urn = entry.urn.replace(/DestinationRule::payment$/, "ServiceEntry::payment-provider");
            entry.inputs = { kind: "ServiceEntry", metadata: { name: "payment-provider", namespace: "ecommerce" }, spec: { hosts: ["*.payments.example.com"], location: "MESH_EXTERNAL", ports: [{ number: 443, name: "https", protocol: "TLS" }], resolution: "DNS" } };
            expect(violationsOf("istio-vs-destination-host-exists", [...prod, entry])).to.deep.equal([]);
        });

        it("resolves a short host name in the VirtualService's namespace", () => {
            const vs = find(prod, "VirtualService", "cart");
            vs.inputs.spec.http.find((r: { name: string }) => r.name === "cart-default").route[0].destination.host = "cart";
            expect(violationsOf("istio-vs-destination-host-exists", prod)).to.deep.equal([]);
            find(prod, "VirtualService", "cart").inputs.metadata.namespace = "shop";
            expect(summary(violationsOf("istio-vs-destination-host-exists", prod))).to.deep.equal([
                'cart: VirtualService shop/cart: route "cart-default" sends traffic to host "cart" (cart.shop.svc.cluster.local), but the stack deploys no Service by that name; Envoy answers 503 (no cluster) for it',
            ]);
        });
    });

    describe("istio-vs-subset-defined", () => {
        it("passes when every routed subset is in the host's DestinationRule", () => {
            expect(violationsOf("istio-vs-subset-defined", prod)).to.deep.equal([]);
        });

        it("flags a subset the DestinationRule does not declare, in the mesh and at the edge", () => {
            const rule = find(prod, "DestinationRule", "product");
            rule.inputs.spec.subsets = rule.inputs.spec.subsets.filter((s: { name: string }) => s.name !== "v2");
            const found = violationsOf("istio-vs-subset-defined", prod);
            // v2-only (ratings GET and POST), v2-pinned and the reads split; in the mesh the default split too
            expect(found.map((v) => v.resource?.name).sort()).to.deep.equal([...new Array(4).fill("ecommerce-gateway"), ...new Array(5).fill("product")]);
            expect(found[0].message).to.contain('uses subset "v2" of product.ecommerce.svc.cluster.local').and.contain("(it has: v1)");
        });

        it("flags a subset when the host has no DestinationRule at all", () => {
            const found = violationsOf("istio-vs-subset-defined", withoutResource(prod, "DestinationRule", "cart"));
            expect(found.map((v) => v.resource?.name)).to.deep.equal(["cart", "cart", "ecommerce-gateway", "ecommerce-gateway"]); // cart-reads and cart-default
            expect(found[0].message).to.contain("no DestinationRule exists for that host");
        });
    });

    describe("istio-dr-subset-selects-pods", () => {
        it("passes when each subset's labels match a Deployment's pods", () => {
            expect(violationsOf("istio-dr-subset-selects-pods", prod)).to.deep.equal([]);
        });

        it("flags a subset whose labels select no pods (503 UH)", () => {
            find(prod, "DestinationRule", "order").inputs.spec.subsets[0].labels = { version: "1" };
            const found = violationsOf("istio-dr-subset-selects-pods", prod);
            expect(summary(found)).to.have.length(1);
            expect(found[0].resource?.name).to.equal("order");
            expect(found[0].message).to.contain('DestinationRule ecommerce/order: subset "v1"').and.contain("503 UH");
        });

        it("flags the canary subset once its Deployment is gone", () => {
            const found = violationsOf("istio-dr-subset-selects-pods", withoutResource(prod, "Deployment", "product-v2"));
            expect(found.map((v) => v.message)).to.have.length(1);
            expect(found[0].message).to.contain('subset "v2"');
        });
    });

    describe("istio-dr-host-exists", () => {
        it("passes when every DestinationRule host is a Service", () => {
            expect(violationsOf("istio-dr-host-exists", prod)).to.deep.equal([]);
        });

        it("flags a DestinationRule for a host that does not exist", () => {
            find(prod, "DestinationRule", "user").inputs.spec.host = "users.ecommerce.svc.cluster.local";
            const found = violationsOf("istio-dr-host-exists", prod);
            expect(found).to.have.length(1);
            expect(found[0].resource?.name).to.equal("user");
            expect(found[0].message).to.contain('DestinationRule ecommerce/user: host "users.ecommerce.svc.cluster.local"');
        });
    });

    describe("istio-vs-host-conflict", () => {
        it("passes with one mesh VirtualService per service and one gateway VirtualService", () => {
            expect(violationsOf("istio-vs-host-conflict", prod)).to.deep.equal([]);
        });

        it("flags a second mesh VirtualService for the same host, even written as a short name", () => {
            const extra = structuredClone(find(prod, "VirtualService", "cart"));
            extra.name = "cart-extra";
            extra.urn = extra.urn.replace(/::cart$/, "::cart-extra");
            extra.inputs.metadata.name = "cart-extra";
            extra.inputs.spec.hosts = ["cart"];
            const found = violationsOf("istio-vs-host-conflict", [...prod, extra]);
            expect(found).to.have.length(1);
            expect(found[0].resource?.name).to.equal("cart-extra");
            expect(found[0].message).to.contain('host "cart.ecommerce.svc.cluster.local" on gateway "mesh" is also defined by VirtualService ecommerce/cart');
        });
    });

    describe("istio-vs-unreachable-route", () => {
        it("passes the shipped routes (pinned, fault, reads before the default route)", () => {
            expect(violationsOf("istio-vs-unreachable-route", prod)).to.deep.equal([]);
            expect(violationsOf("istio-vs-unreachable-route", dev, "dev")).to.deep.equal([]);
        });

        it("flags routes after a catch-all route", () => {
            const http = find(prod, "VirtualService", "product").inputs.spec.http;
            http.unshift(http.pop()); // the default route (no match) first
            const found = violationsOf("istio-vs-unreachable-route", prod);
            expect(found.map((v) => v.message)).to.deep.equal(
                ["product-v2-only", "product-v2-only-writes", "product-v1-pinned", "product-v2-pinned", "product-reads"].map(
                    (name, i) => `VirtualService ecommerce/product: route "${name}" (#${i + 1}) is never used: earlier route "product-default" (#0) has no match and takes every request`,
                ),
            );
        });

        it("flags a route shadowed by an earlier catch-all at the edge", () => {
            const http = find(prod, "VirtualService", "ecommerce-gateway").inputs.spec.http;
            http.unshift({ name: "api-catch", route: [{ destination: { host: "product.ecommerce.svc.cluster.local", subset: "v1" }, weight: 100 }] });
            const found = violationsOf("istio-vs-unreachable-route", prod);
            expect(found).to.have.length(http.length - 1);
            expect(found.every((v) => v.resource?.name === "ecommerce-gateway")).to.equal(true);
            expect(found[0].message).to.contain('earlier route "api-catch" (#0) has no match and takes every request');
        });

        it("flags a duplicate match inside a route", () => {
            const route = find(prod, "VirtualService", "order").inputs.spec.http[0];
            route.match.push({ method: { regex: "GET|HEAD|OPTIONS" } });
            const found = violationsOf("istio-vs-unreachable-route", prod);
            expect(found).to.have.length(1);
            expect(found[0].message).to.contain('route "order-reads" match #1').and.contain("an earlier match of the same route covers it");
        });
    });

    describe("istio-vs-weights-sum", () => {
        it("passes when every split sums to 100 (product 90/10)", () => {
            expect(violationsOf("istio-vs-weights-sum", prod)).to.deep.equal([]);
        });

        it("flags a split that sums to 110", () => {
            find(prod, "VirtualService", "product").inputs.spec.http.find((r: { name: string }) => r.name === "product-default").route[1].weight = 20;
            const found = violationsOf("istio-vs-weights-sum", prod);
            expect(summary(found)).to.deep.equal(['product: VirtualService ecommerce/product: route "product-default" has weights 90 + 20 = 110, not 100']);
        });
    });

    describe("istio-gateway-binding", () => {
        it("passes: the edge VirtualService binds ecommerce/ecommerce-gateway, whose selector matches the gateway chart's pods", () => {
            expect(violationsOf("istio-gateway-binding", prod)).to.deep.equal([]);
        });

        it("flags a gateway reference that does not resolve", () => {
            find(prod, "VirtualService", "ecommerce-gateway").inputs.spec.gateways = ["istio-ingress/ecommerce-gateway"];
            const found = violationsOf("istio-gateway-binding", prod);
            expect(found).to.have.length(1);
            expect(found[0].message).to.contain('gateway "istio-ingress/ecommerce-gateway" does not exist');
        });

        it("flags a VirtualService host the Gateway does not serve", () => {
            find(prod, "Gateway", "ecommerce-gateway").inputs.spec.servers[0].hosts = ["shop.example.com"];
            find(prod, "VirtualService", "ecommerce-gateway").inputs.spec.hosts = ["api.example.com"];
            const found = violationsOf("istio-gateway-binding", prod);
            expect(summary(found)).to.have.length(1);
            expect(found[0].message).to.contain("api.example.com are not served by Gateway ecommerce/ecommerce-gateway");
        });

        it("flags a Gateway port the gateway chart's Service does not expose", () => {
            find(prod, "Gateway", "ecommerce-gateway").inputs.spec.servers[0].port.number = 8080;
            const found = violationsOf("istio-gateway-binding", prod);
            expect(found.map((v) => v.message)).to.deep.equal([
                "Gateway ecommerce/ecommerce-gateway: listens on port 8080, which the Service of gateway release istio-ingress/istio-ingressgateway does not expose (target ports 15021, 80, 443), so no client reaches it",
            ]);
        });

        it("flags a Gateway selector that matches no gateway pods", () => {
            find(prod, "Gateway", "ecommerce-gateway").inputs.spec.selector = { istio: "ingress" };
            const found = violationsOf("istio-gateway-binding", prod);
            expect(found).to.have.length(1);
            expect(found[0].resource?.type).to.equal("kubernetes:networking.istio.io/v1:Gateway");
            expect(found[0].message).to.contain('selector {"istio":"ingress"} matches no gateway pods');
        });
    });

    describe("istio-gateway-tls", () => {
        it("passes the shipped prod Gateway: HTTPS on 443 with the certificate's Secret, port 80 redirects", () => {
            expect(violationsOf("istio-gateway-tls", prod)).to.deep.equal([]);
        });

        it("blocks a Gateway whose port 80 serves instead of redirecting (prod)", () => {
            delete find(prod, "Gateway", "ecommerce-gateway").inputs.spec.servers[0].tls;
            const found = violationsOf("istio-gateway-tls", prod);
            expect(found.map((v) => [v.resource?.name, v.enforcementLevel])).to.deep.equal([["ecommerce-gateway", "mandatory"]]);
            expect(found[0].message).to.equal("Gateway ecommerce/ecommerce-gateway: serves plain HTTP on port 80 without redirecting to HTTPS, so requests cross the internet unencrypted");
        });

        it("blocks plain HTTP that names a front end when the config does not allow it (prod)", async () => {
            const plain = await capture("prod", "edge.allowPlaintextHttp=true", "edge.tlsTerminatedBy=Azure Front Door");
            expect(find(plain, "Gateway", "ecommerce-gateway").inputs.metadata.annotations).to.deep.equal({ "ecommerce-mesh.io/tls-terminated-by": "Azure Front Door" });
            expect(violationsOf("istio-gateway-tls", plain).map((v) => v.enforcementLevel)).to.deep.equal(["mandatory"]);
        });

        it("lets plain HTTP through only with allowPlaintextHttp and a named front end", async () => {
            const plain = await capture("local", "edge.allowPlaintextHttp=true", "edge.tlsTerminatedBy=kind port-forward");
            expect(violationsOf("istio-gateway-tls", plain, "local")).to.deep.equal([]);
            delete find(plain, "Gateway", "ecommerce-gateway").inputs.metadata.annotations;
            expect(violationsOf("istio-gateway-tls", plain, "local")[0].message).to.contain("names no TLS front end (annotation ecommerce-mesh.io/tls-terminated-by)");
        });
    });

    describe("istio-edge-split-matches-mesh", () => {
        it("passes when the gateway routes carry the mesh weights (prod and dev, 90/10)", () => {
            expect(violationsOf("istio-edge-split-matches-mesh", prod)).to.deep.equal([]);
            expect(violationsOf("istio-edge-split-matches-mesh", dev, "dev")).to.deep.equal([]);
        });

        it("flags an edge route that sends everything to v1 while the mesh runs a 10% canary", () => {
            const edge = find(prod, "VirtualService", "ecommerce-gateway").inputs.spec.http;
            const productReads = edge.find((r: { name: string }) => r.name === "product-reads");
            productReads.route = [{ destination: productReads.route[0].destination, weight: 100 }];
            const found = violationsOf("istio-edge-split-matches-mesh", prod);
            expect(summary(found)).to.deep.equal([
                'ecommerce-gateway: VirtualService ecommerce/ecommerce-gateway: gateway route "product-reads" splits product.ecommerce.svc.cluster.local as v1=100 but the mesh routes it as v1=90, v2=10 (VirtualService ecommerce/product); users at the edge would not get the canary the mesh gets',
            ]);
        });
    });
});
