import { expect } from "chai";
import type { CapturedResource } from "../../tools/capture/capture";
import { capture, find, summary, violationsOf, withoutResource } from "./support";

/** Another PeerAuthentication, made from the captured mesh-wide one. */
function peerAuthentication(resources: CapturedResource[], name: string, namespace: string, spec: Record<string, unknown>): CapturedResource {
    const base = find(resources, "PeerAuthentication", "mesh-mtls");
    return { ...structuredClone(base), urn: base.urn.replace(/::mesh-mtls$/, `::${name}`), name, inputs: { ...base.inputs, metadata: { name, namespace }, spec } };
}

describe("policies: mTLS", () => {
    let prod: CapturedResource[];
    beforeEach(async () => {
        prod = await capture("prod");
    });

    describe("mtls-mesh-wide-strict", () => {
        it("passes the shipped prod stack (PeerAuthentication istio-system/default STRICT)", () => {
            expect(violationsOf("mtls-mesh-wide-strict", prod)).to.deep.equal([]);
        });

        it("blocks prod when the stack config sets mtls PERMISSIVE", async () => {
            const found = violationsOf("mtls-mesh-wide-strict", await capture("prod", "mtls=PERMISSIVE"));
            expect(found).to.have.length(1);
            expect(found[0].enforcementLevel).to.equal("mandatory");
            expect(found[0].resource?.name).to.equal("mesh-mtls");
            expect(found[0].message).to.equal("PeerAuthentication istio-system/default: mesh-wide mTLS mode is PERMISSIVE, so every workload still accepts plaintext");
        });

        it("is only advisory in dev", async () => {
            const found = violationsOf("mtls-mesh-wide-strict", await capture("dev", "mtls=PERMISSIVE"), "dev");
            expect(found.map((v) => v.enforcementLevel)).to.deep.equal(["advisory"]);
        });

        it("flags a mesh with Istio objects but no mesh-wide PeerAuthentication", () => {
            const found = violationsOf("mtls-mesh-wide-strict", withoutResource(prod, "PeerAuthentication", "mesh-mtls"));
            expect(found).to.have.length(1);
            expect(found[0].resource).to.equal(undefined);
            expect(found[0].message).to.contain("no mesh-wide PeerAuthentication");
        });
    });

    describe("mtls-no-permissive-override", () => {
        it("passes without namespace or workload overrides", () => {
            expect(violationsOf("mtls-no-permissive-override", prod)).to.deep.equal([]);
        });

        it("flags a namespace PERMISSIVE override and a workload port DISABLE", () => {
            const found = violationsOf("mtls-no-permissive-override", [
                ...prod,
                peerAuthentication(prod, "ecommerce-permissive", "ecommerce", { mtls: { mode: "PERMISSIVE" } }),
                peerAuthentication(prod, "payment-port", "ecommerce", { selector: { matchLabels: { app: "payment" } }, mtls: { mode: "STRICT" }, portLevelMtls: { "8080": { mode: "DISABLE" } } }),
            ]);
            expect(summary(found)).to.deep.equal([
                "ecommerce-permissive: PeerAuthentication ecommerce/ecommerce-permissive: sets mTLS PERMISSIVE for namespace ecommerce, accepting plaintext inside a STRICT mesh",
                'payment-port: PeerAuthentication ecommerce/payment-port: port 8080 of workloads {"app":"payment"} is set to DISABLE, accepting plaintext inside a STRICT mesh',
            ]);
        });
    });

    describe("mtls-destination-rule-tls", () => {
        it("passes with ISTIO_MUTUAL on every DestinationRule", () => {
            expect(violationsOf("mtls-destination-rule-tls", prod)).to.deep.equal([]);
        });

        it("flags DISABLE and SIMPLE (without caCertificates) towards in-mesh hosts", () => {
            find(prod, "DestinationRule", "payment").inputs.spec.trafficPolicy.tls = { mode: "DISABLE" };
            find(prod, "DestinationRule", "user").inputs.spec.subsets[0].trafficPolicy = { tls: { mode: "SIMPLE" } };
            const found = violationsOf("mtls-destination-rule-tls", prod);
            expect(summary(found)).to.deep.equal([
                "payment: DestinationRule ecommerce/payment: trafficPolicy sets tls.mode DISABLE for in-mesh host payment.ecommerce.svc.cluster.local, which conflicts with STRICT mTLS",
                "user: DestinationRule ecommerce/user: subset v1 sets tls.mode SIMPLE for in-mesh host user.ecommerce.svc.cluster.local, which conflicts with STRICT mTLS and, without caCertificates, verifies no server certificate",
            ]);
        });
    });
});
