import { expect } from "chai";
import { mandatory, runPolicies } from "../../policies/runner";
import { capture, find, summary, violationsOf } from "./support";

const env = (resources: Awaited<ReturnType<typeof capture>>, name: string) => find(resources, "Deployment", name).inputs.spec.template.spec.containers[0].env as { name: string; value?: string }[];

describe("policies: no-chaos-in-prod", () => {
    it("passes prod, whose pods have no chaos control (chaos.enabled defaults to false)", async () => {
        const prod = await capture("prod");
        expect(env(prod, "payment-v1").map((e) => e.name)).not.to.include("CHAOS_ENABLED");
        expect(violationsOf("no-chaos-in-prod", prod)).to.deep.equal([]);
    });

    it("blocks prod with chaos.enabled=true, once per Deployment, as a mandatory violation", async () => {
        const prod = await capture("prod", "chaos.enabled=true");
        expect(env(prod, "payment-v1")).to.deep.include({ name: "CHAOS_ENABLED", value: "true" });
        const found = mandatory(runPolicies(prod, { environment: "prod" })).filter((v) => v.policy === "no-chaos-in-prod");
        expect(found.length).to.equal(prod.filter((r) => r.type.endsWith(":Deployment") && r.name.match(/-v\d+$/)).length);
        expect(summary(found)).to.include('payment-v1: Deployment ecommerce/payment-v1: container "payment" runs the chaos control (CHAOS_ENABLED=true)');
    });

    it("blocks prod taking CHAOS_ENABLED from a ConfigMap, whose value it cannot read", async () => {
        const prod = await capture("prod");
        env(prod, "payment-v1").push({ name: "CHAOS_ENABLED", valueFrom: { configMapKeyRef: { name: "flags", key: "chaos" } } } as never);
        const found = violationsOf("no-chaos-in-prod", prod);
        expect(summary(found)).to.deep.equal(['payment-v1: Deployment ecommerce/payment-v1: container "payment" takes CHAOS_ENABLED from valueFrom, which this check cannot read']);
    });

    it("is off in dev, which ships chaos on for npm run chaos", async () => {
        const dev = await capture("dev");
        expect(env(dev, "inventory-v1")).to.deep.include({ name: "CHAOS_ENABLED", value: "true" });
        expect(violationsOf("no-chaos-in-prod", dev, "dev")).to.deep.equal([]);
        // The pod declares no port for it: the control is on the pod's loopback only.
        const ports = find(dev, "Deployment", "inventory-v1").inputs.spec.template.spec.containers[0].ports;
        expect(ports.map((p: { name: string }) => p.name)).to.deep.equal(["http"]);
    });
});
