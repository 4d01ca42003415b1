import { expect } from "chai";
import type { CapturedResource } from "../../tools/capture/capture";
import { capture, find, summary, violationsOf, withoutResource } from "./support";

const networkPolicy = (resources: CapturedResource[], name: string) => find(resources, "NetworkPolicy", name).inputs.spec;

describe("policies: perimeter", () => {
    describe("mesh-egress-registry-only", () => {
        it("passes every shipped stack: istiod REGISTRY_ONLY, the local database entry names its host and port", async () => {
            for (const stack of ["local", "dev", "prod"] as const) {
                expect(violationsOf("mesh-egress-registry-only", await capture(stack), stack), stack).to.deep.equal([]);
            }
        });

        it("blocks prod when sidecars may call any host", async () => {
            const prod = await capture("prod");
            delete find(prod, "Release", "istiod").inputs.values.meshConfig.outboundTrafficPolicy;
            const found = violationsOf("mesh-egress-registry-only", prod);
            expect(found.map((v) => [v.enforcementLevel, v.message])).to.deep.equal([
                ["mandatory", "Helm release istio-system/istiod: meshConfig.outboundTrafficPolicy.mode is ALLOW_ANY (the default), so sidecars pass traffic to any host"],
            ]);
        });

        it("flags a ServiceEntry that opens the way back out", async () => {
            const dev = await capture("dev");
            const entry = find(dev, "ServiceEntry", "service-entry-database").inputs.spec;
            entry.hosts = ["*.com"];
            entry.resolution = "NONE";
            entry.ports = [];
            expect(summary(violationsOf("mesh-egress-registry-only", dev, "dev"))).to.deep.equal([
                "service-entry-database: ServiceEntry ecommerce/database: hosts *.com admit the whole internet under REGISTRY_ONLY",
                "service-entry-database: ServiceEntry ecommerce/database: resolution NONE without addresses passes traffic to any address on its ports",
                "service-entry-database: ServiceEntry ecommerce/database: declares no ports, so it admits every port of its hosts",
            ]);
        });
    });

    describe("network-policy-default-deny", () => {
        it("passes every shipped stack", async () => {
            for (const stack of ["local", "dev", "prod"] as const) {
                expect(violationsOf("network-policy-default-deny", await capture(stack), stack), stack).to.deep.equal([]);
            }
        });

        it("blocks prod without the default deny", async () => {
            const found = violationsOf("network-policy-default-deny", withoutResource(await capture("prod"), "NetworkPolicy", "default-deny"));
            expect(found.map((v) => v.enforcementLevel)).to.deep.equal(["mandatory"]);
            expect(found[0].message).to.match(/^namespace ecommerce: no default-deny NetworkPolicy/);
        });

        it("flags an allow that admits any peer on any port, and an ipBlock of the internet without ports", async () => {
            const prod = await capture("prod");
            const mesh = networkPolicy(prod, "allow-mesh");
            mesh.ingress[0] = {};
            mesh.egress[0] = { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] };
            expect(summary(violationsOf("network-policy-default-deny", prod))).to.deep.equal([
                "allow-mesh: NetworkPolicy ecommerce/allow-mesh: an ingress rule admits any peer on any port, which undoes the default deny",
                "allow-mesh: NetworkPolicy ecommerce/allow-mesh: an egress rule admits any peer on any port, which undoes the default deny",
            ]);
        });

        it("skips the namespaces its ignoreNamespaces setting names", async () => {
            const prod = withoutResource(await capture("prod"), "NetworkPolicy", "default-deny");
            expect(violationsOf("network-policy-default-deny", prod, { "network-policy-default-deny": { enforcementLevel: "mandatory", ignoreNamespaces: ["ecommerce"] } })).to.deep.equal([]);
        });

        it("flags a default deny that cuts the sidecars off DNS and istiod", async () => {
            let prod = await capture("prod");
            prod = withoutResource(withoutResource(prod, "NetworkPolicy", "allow-dns"), "NetworkPolicy", "allow-istiod");
            expect(violationsOf("network-policy-default-deny", prod).map((v) => v.message)).to.deep.equal([
                "namespace ecommerce: the default deny blocks egress to DNS (UDP 53) and istiod (TCP 15012), so sidecars get no configuration or certificates and names do not resolve",
            ]);
        });
    });
});
