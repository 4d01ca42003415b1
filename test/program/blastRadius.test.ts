// The README promises that a resilience edit changes only VirtualService and DestinationRule
// objects (no Deployment, so no pod restarts). Every key under the resilience groups is taken
// from the schema and edited alone, on every service at once, against prod.
import { expect } from "chai";
import { z } from "zod";
import { serviceSchema } from "../../stacks/schema";
import { type Capture } from "../../tools/capture/capture";
import { capture } from "../support/stacks";

const serviceNames = ["product", "cart", "order", "payment", "user", "inventory", "shipping", "notification"];
const resilienceGroups = ["timeout", "retries", "outlierDetection", "connectionPool", "loadBalancer", "faults"];
const meshKinds = ["kubernetes:networking.istio.io/v1:VirtualService", "kubernetes:networking.istio.io/v1:DestinationRule"];

/** Faults are off in prod; their keys are edited against prod with this block on every service. */
const faultsOn = "{header: x-fault-inject, delay: {percentage: 5, fixedDelay: 1s}, abort: {percentage: 5, httpStatus: 503}}";

/** A valid value for each key that differs from every shipped prod value (and from faultsOn). */
const editedValue: Record<string, string> = {
    timeout: "13s",
    "retries.attempts": "4",
    "retries.perTryTimeout": "3s",
    "retries.retryOn": "gateway-error,reset",
    "retries.writeRetryOn": "connect-failure",
    "outlierDetection.consecutive5xxErrors": "7",
    "outlierDetection.interval": "20s",
    "outlierDetection.baseEjectionTime": "45s",
    "outlierDetection.maxEjectionPercent": "30",
    "outlierDetection.minHealthPercent": "40",
    "connectionPool.tcp.maxConnections": "2048",
    "connectionPool.tcp.connectTimeout": "3s",
    "connectionPool.http.http1MaxPendingRequests": "2048",
    "connectionPool.http.http2MaxRequests": "2048",
    "connectionPool.http.maxRequestsPerConnection": "100",
    loadBalancer: "ROUND_ROBIN",
    "faults.header": "x-chaos",
    "faults.delay.percentage": "7",
    "faults.delay.fixedDelay": "2s",
    "faults.abort.percentage": "7",
    "faults.abort.httpStatus": "500",
};

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
    return schema instanceof z.ZodOptional ? unwrap(schema.unwrap()) : schema;
}

function leafKeys(schema: z.core.$ZodType, prefix: string): string[] {
    const inner = unwrap(schema);
    if (!(inner instanceof z.ZodObject)) {
        return [prefix];
    }
    return Object.entries(inner.shape).flatMap(([key, child]) => leafKeys(child as z.core.$ZodType, `${prefix}.${key}`));
}

const resilienceKeys = resilienceGroups.flatMap((group) => leafKeys(serviceSchema.shape[group as keyof typeof serviceSchema.shape], group));

const onEveryService = (assignment: string) => serviceNames.map((service) => `services.${service}.${assignment}`);

/** `Kind/name` of every resource whose inputs differ; the URN sets must be equal. */
function changedObjects(before: Capture, after: Capture): { type: string; name: string }[] {
    const old = new Map(before.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]));
    expect(after.resources.map((r) => r.urn).sort()).to.deep.equal([...old.keys()].sort());
    return after.resources.filter((r) => old.get(r.urn) !== JSON.stringify(r.inputs)).map(({ type, name }) => ({ type, name }));
}

function expectMeshOnly(changed: { type: string; name: string }[]): void {
    expect(changed, "the edit changed nothing: pick a value that differs").to.not.deep.equal([]);
    expect(changed.filter((r) => !meshKinds.includes(r.type)), "objects other than VirtualService and DestinationRule").to.deep.equal([]);
}

describe("the blast radius of a resilience edit on prod", function () {
    this.timeout(300_000);
    let prod: Capture;
    let prodWithFaults: Capture;
    before(async () => {
        prod = await capture("prod");
        prodWithFaults = await capture("prod", ...onEveryService(`faults=${faultsOn}`));
    });

    it("covers every key of the schema's resilience groups", () => {
        expect(resilienceKeys).to.have.length.greaterThan(15);
        expect(Object.keys(editedValue).sort(), "a resilience key without an edit here").to.deep.equal([...resilienceKeys].sort());
    });

    for (const key of resilienceKeys) {
        it(`${key} changes only VirtualService and DestinationRule objects`, async () => {
            const base = key.startsWith("faults.") ? prodWithFaults : prod;
            const baseSets = key.startsWith("faults.") ? onEveryService(`faults=${faultsOn}`) : [];
            const edited = await capture("prod", ...baseSets, ...onEveryService(`${key}=${editedValue[key]}`));
            expectMeshOnly(changedObjects(base, edited));
        });
    }

    it("adding and removing faults change only VirtualService objects", async () => {
        for (const [before, after] of [
            [prod, prodWithFaults],
            [prodWithFaults, prod],
        ]) {
            const changed = changedObjects(before, after);
            expectMeshOnly(changed);
            expect(changed.every((r) => r.type.endsWith(":VirtualService"))).to.equal(true);
        }
    });

    it("a canary weight edit changes exactly the product and edge VirtualServices", async () => {
        const changed = changedObjects(prod, await capture("prod", "services.product.canary.weight=25"));
        expect(changed.map((r) => `${r.type.split(":").pop()}/${r.name}`).sort()).to.deep.equal(["VirtualService/ecommerce-gateway", "VirtualService/product"]);
    });
});
