// Schema validation of single objects: types from the published schemas, unknown fields
// from the strict pass, and the exit code / report a schema error leads to.
import { expect } from "chai";
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { type KubeObject } from "../../tools/render/model";
import { exitCodeOf, type RenderResult } from "../../tools/render/pipeline";
import { formatReport } from "../../tools/render/report";
import { schemaModule, validateObjects } from "../../tools/render/schema";
import { StrictFieldChecker } from "../../tools/render/strictFields";
import { projectDir } from "./support";

function object(manifest: Record<string, any>): KubeObject {
    const name = manifest.metadata.name as string;
    const namespace = manifest.metadata.namespace as string | undefined;
    return {
        apiVersion: manifest.apiVersion,
        kind: manifest.kind,
        name,
        namespace,
        manifest,
        file: `kubernetes/${namespace ?? "_cluster"}/${String(manifest.kind).toLowerCase()}-${name}.yaml`,
        resourceName: name,
        resourceType: `kubernetes:${manifest.apiVersion}:${manifest.kind}`,
    };
}

const virtualService = (http: unknown[]) =>
    object({ apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "product", namespace: "ecommerce" }, spec: { hosts: ["product"], http } });

const deployment = (spec: Record<string, unknown>) =>
    object({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "product-v1", namespace: "ecommerce" },
        spec: { selector: { matchLabels: { app: "product" } }, template: { metadata: { labels: { app: "product" } }, spec: { containers: [{ name: "product", image: "x/product:1" }] } }, ...spec },
    });

describe("schema validation", function () {
    this.timeout(60_000);

    it("maps apiVersion/kind to the schema packages, Istio v1 included", () => {
        expect(schemaModule("v1", "Service")?.module).to.equal("kubernetes-models/v1/Service");
        expect(schemaModule("apps/v1", "Deployment")?.module).to.equal("kubernetes-models/apps/v1/Deployment");
        expect(schemaModule("networking.istio.io/v1", "VirtualService")?.module).to.equal("@kubernetes-models/istio/networking.istio.io/v1/VirtualService");
        expect(schemaModule("security.istio.io/v1", "PeerAuthentication")?.module).to.equal("@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication");
        expect(schemaModule("telemetry.istio.io/v1", "Telemetry")?.module).to.equal("@kubernetes-models/istio/telemetry.istio.io/v1/Telemetry");
        expect(schemaModule("../../etc", "x")).to.equal(undefined);
    });

    it("accepts valid objects", async () => {
        const route = [{ destination: { host: "product", subset: "v1" }, weight: 100 }];
        expect(await validateObjects([virtualService([{ name: "default", route }]), deployment({ replicas: 2 })], projectDir)).to.deep.equal([]);
    });

    it("rejects an unknown field in an Istio object, deep inside", async () => {
        const errors = await validateObjects([virtualService([{ route: [{ destination: { host: "product", subsett: "v1" }, weight: 100 }] }])], projectDir);
        expect(errors).to.have.length(1);
        expect(errors[0]).to.include({ object: "VirtualService ecommerce/product", path: "/spec/http/0/route/0/destination/subsett" });
        expect(errors[0].message).to.match(/not a field/);
    });

    it("rejects a renamed Istio field (the deprecated name is not in v1)", async () => {
        const errors = await validateObjects([virtualService([{ route: [{ destination: { host: "product" } }], retries: { attempts: 3, retryOnn: "5xx" } }])], projectDir);
        expect(errors.map((e) => e.path)).to.deep.equal(["/spec/http/0/retries/retryOnn"]);
    });

    it("rejects a wrong type in a Deployment and an unknown field in a container", async () => {
        const bad = deployment({ replicas: "three" });
        (bad.manifest.spec as any).template.spec.containers[0].imagePullPolice = "Always";
        const errors = await validateObjects([bad], projectDir);
        expect(errors.map((e) => `${e.path} ${e.message}`)).to.deep.equal([
            "/spec/replicas must be integer",
            "/spec/template/spec/containers/0/imagePullPolice is not a field of the schema (unknown fields are rejected)",
        ]);
    });

    it("rejects an Istio enum value the CRD does not allow", async () => {
        const peer = object({ apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", metadata: { name: "default", namespace: "istio-system" }, spec: { mtls: { mode: "STRICTEST" } } });
        const errors = await validateObjects([peer], projectDir);
        expect(errors).to.have.length.greaterThan(0);
        expect(errors[0].path).to.equal("/spec/mtls/mode");
    });

    it("reports a kind with no published schema", async () => {
        const errors = await validateObjects([object({ apiVersion: "networking.istio.io/v1", kind: "VirtualServic", metadata: { name: "x", namespace: "ecommerce" } })], projectDir);
        expect(errors[0].message).to.match(/no published schema/);
    });

    it("makes a schema error fail the render (exit 1) and shows it in the report", async () => {
        const bad = deployment({ replicas: "three" });
        const schemaErrors = await validateObjects([bad], projectDir);
        const result = {
            stack: "prod",
            model: { project: "ecommerce-mesh", stack: "prod", resourceCount: 1, kubernetes: [bad], helmReleases: [], azure: [], other: [] },
            files: new Map(),
            written: [],
            schemaErrors,
            policies: { ran: true, violations: [] },
            versions: { day: "2026-12-01", lines: [], compatibility: [] },
            seconds: { evaluate: 0, schema: 0, policies: 0, total: 0 },
        } satisfies RenderResult;
        expect(exitCodeOf(result)).to.equal(1);
        const text = formatReport(result);
        expect(text).to.include("schema: 1 error");
        expect(text).to.include("Deployment ecommerce/product-v1");
        expect(text).to.include("/spec/replicas: must be integer");
        expect(text).to.include("result: FAILED");
    });
});

describe("strict field shapes", function () {
    this.timeout(120_000);

    it("finds the same unknown fields whether derived by the TypeScript checker or read from the cache", () => {
        const models = [schemaModule("networking.istio.io/v1", "VirtualService")!, schemaModule("apps/v1", "Deployment")!];
        const cacheDir = path.join(projectDir, "node_modules", ".cache", "ecommerce-mesh-render");
        const cached = () => (existsSync(cacheDir) ? readdirSync(cacheDir) : []);
        const before = new Set(cached());
        const derived = new StrictFieldChecker(models, projectDir);
        const written = cached().filter((f) => !before.has(f));
        const read = new StrictFieldChecker(models, projectDir);
        const bad = {
            spec: { hosts: ["product"], http: [{ route: [{ destination: { host: "product", bogus: 1 }, weight: 100 }], retries: { attempts: 1, retryOnn: "5xx" } }] },
            metadata: { name: "product", labels: { any: "thing" } },
            apiVersion: "networking.istio.io/v1",
            kind: "VirtualService",
        };
        const expected = [{ path: "/spec/http/0/route/0/destination/bogus" }, { path: "/spec/http/0/retries/retryOnn" }];
        expect(derived.unknownFields(models[0], bad)).to.have.deep.members(expected);
        expect(read.unknownFields(models[0], bad)).to.have.deep.members(expected);
        const container = { spec: { template: { spec: { containers: [{ name: "a", image: "b", imagePullPolicyy: "Always" }] } } } };
        expect(read.unknownFields(models[1], container)).to.deep.equal([{ path: "/spec/template/spec/containers/0/imagePullPolicyy" }]);
        // Derived on a first run for these kinds, or already cached by an earlier one.
        expect(written.length + before.size).to.be.greaterThan(0);
    });
});
