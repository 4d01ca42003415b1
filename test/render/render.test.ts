// The pipeline called directly: every shipped stack renders schema-clean, renders are
// byte-identical, and a canary edit's blast radius is exactly the two VirtualServices.
import { expect } from "chai";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stackNames } from "../../tools/capture/stackFile";
import { loadRenderDir } from "../../tools/render/compare";
import { InputError } from "../../tools/render/evaluate";
import { exitCodeOf, renderStack } from "../../tools/render/pipeline";
import { projectDir, scratchDir } from "./support";

function filesUnder(dir: string, at = ""): string[] {
    return readdirSync(path.join(dir, at), { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? filesUnder(dir, path.join(at, entry.name)) : [path.join(at, entry.name)],
    );
}

describe("render pipeline", function () {
    this.timeout(120_000);

    it("finds the shipped stacks", () => {
        expect(stackNames(projectDir)).to.include.members(["dev", "local", "prod"]);
    });

    for (const stack of ["dev", "local", "prod"]) {
        it(`renders ${stack} schema-clean with every object in a file and in kubernetes.yaml`, async () => {
            const result = await renderStack({ projectDir, stack, outDir: scratchDir(stack) });
            expect(result.schemaErrors, JSON.stringify(result.schemaErrors, null, 1)).to.deep.equal([]);
            expect(result.model.kubernetes.length).to.be.greaterThan(50);
            const combined = result.files.get("kubernetes.yaml")!;
            expect(combined.match(/^---$/gm)).to.have.length(result.model.kubernetes.length);
            for (const object of result.model.kubernetes) {
                expect(result.written).to.include(object.file);
            }
            // Namespaces first; Istio objects after every core object, other custom resources
            // (the Prometheus Operator's, CloudNativePG's Cluster) among or after them.
            const kinds = result.model.kubernetes.map((o) => ({ kind: o.kind, istio: o.apiVersion.includes("istio.io"), custom: o.apiVersion.includes(".") }));
            expect(kinds[0].kind).to.equal("Namespace");
            const firstIstio = kinds.findIndex((k) => k.istio);
            expect(kinds.slice(firstIstio).every((k) => k.custom)).to.equal(true);
            // local also installs the CloudNativePG operator for its in-cluster PostgreSQL; every stack cert-manager for the edge.
            expect(result.model.helmReleases.map((r) => r.name)).to.have.members(["istio-base", "istiod", "istio-ingressgateway", "kube-prometheus-stack", "otel-collector", "jaeger", "kiali", "cert-manager", ...(stack === "local" ? ["cnpg"] : [])]);
            if (result.policies.ran) {
                expect(result.policies.violations.filter((v) => v.enforcementLevel === "mandatory"), "mandatory violations").to.deep.equal([]);
            }
            expect(exitCodeOf(result)).to.equal(0);
        });
    }

    it("reports invalid config as an InputError with the config's own lines, and renders fine afterwards", async () => {
        let caught: unknown;
        try {
            await renderStack({ projectDir, stack: "prod", sets: ["services.product.canary.weight=110", "mtls=NONE"] });
        } catch (error) {
            caught = error;
        }
        expect(caught).to.be.instanceOf(InputError);
        const lines = (caught as InputError).lines.map((line) => line.trim());
        expect(lines).to.include("ecommerce-mesh:services.product.canary.weight: 110 is not an integer from 0 to 100");
        expect(lines.some((line) => line.startsWith("ecommerce-mesh:mtls: "))).to.equal(true);
        const after = await renderStack({ projectDir, stack: "prod" });
        expect(after.schemaErrors).to.deep.equal([]);
        expect(after.model.kubernetes.length).to.be.greaterThan(50);
    });

    it("writes byte-identical renders of the same stack", async () => {
        const first = scratchDir("same-a");
        const second = scratchDir("same-b");
        await renderStack({ projectDir, stack: "prod", outDir: first });
        await renderStack({ projectDir, stack: "prod", outDir: second });
        const files = filesUnder(first).sort();
        expect(filesUnder(second).sort()).to.deep.equal(files);
        for (const file of files) {
            expect(readFileSync(path.join(second, file), "utf8"), file).to.equal(readFileSync(path.join(first, file), "utf8"));
        }
        expect(files.join("\n")).not.to.match(/\d{4}-\d\d-\d\dT\d\d:/);
    });

    it("shows a canary weight edit as a change of exactly the product and edge VirtualServices", async () => {
        const out = scratchDir("canary");
        await renderStack({ projectDir, stack: "prod", outDir: out });
        const result = await renderStack({ projectDir, stack: "prod", outDir: out, sets: ["services.product.canary.weight=25"], compareDir: out });
        const comparison = result.comparison!;
        expect(comparison.added).to.deep.equal([]);
        expect(comparison.removed).to.deep.equal([]);
        expect(comparison.changed.map((c) => c.object)).to.deep.equal(["VirtualService ecommerce/ecommerce-gateway", "VirtualService ecommerce/product"]);
        // The split is on the reads route; the mesh also keeps a catch-all default route, the edge
        // none, since product's only writes are v2's ratings (components/builders/routing.ts).
        const weights = (routes: string[]) =>
            routes.flatMap((route) => [
                [`spec.http[name=product-${route}].route[0].weight`, 90, 75],
                [`spec.http[name=product-${route}].route[1].weight`, 10, 25],
            ]);
        const [edge, mesh] = comparison.changed;
        expect(edge.changes.map((c) => [c.path, c.before, c.after])).to.deep.equal(weights(["reads"]));
        expect(mesh.changes.map((c) => [c.path, c.before, c.after])).to.deep.equal(weights(["reads", "default"]));
        // The render dir now holds the new render: comparing with itself shows nothing.
        const again = await renderStack({ projectDir, stack: "prod", sets: ["services.product.canary.weight=25"], compareDir: out });
        expect(again.comparison!.changed).to.deep.equal([]);
        expect(loadRenderDir(out).size).to.equal(result.written.length);
    });

    it("shows removing a fault as the mesh's fault route removed and the edge no longer stripping its header, matched by route name", async () => {
        const out = scratchDir("faults");
        await renderStack({ projectDir, stack: "dev", outDir: out });
        const result = await renderStack({ projectDir, stack: "dev", sets: ["services.product.faults=null"], compareDir: out });
        const comparison = result.comparison!;
        expect(comparison.changed.map((c) => c.object)).to.deep.equal(["VirtualService ecommerce/ecommerce-gateway", "VirtualService ecommerce/product"]);
        const [edge, product] = comparison.changed;
        // Dev's only fault is product's, so every edge route stops stripping its header.
        expect(edge.changes.length).to.be.greaterThan(10);
        expect(edge.changes.filter((c) => !/^spec\.http\[name=[a-z0-9-]+\]\.headers\.request$/.test(c.path) || !("before" in c) || "after" in c)).to.deep.equal([]);
        expect(product.changes.map((c) => [c.path, "before" in c, "after" in c])).to.deep.equal([["spec.http[name=product-fault-injection]", true, false]]);
    });

    it("replaces the previous render but leaves files it did not write", async () => {
        const out = scratchDir("clear");
        writeFileSync(path.join(out, "NOTES.md"), "mine\n");
        await renderStack({ projectDir, stack: "prod", outDir: out });
        expect(existsSync(path.join(out, "azure.yaml"))).to.equal(true);
        await renderStack({ projectDir, stack: "local", outDir: out });
        expect(existsSync(path.join(out, "NOTES.md"))).to.equal(true);
        // local has no Azure resources and no HPAs: prod's files are gone, not left behind.
        expect(filesUnder(out).filter((f) => f.includes("horizontalpodautoscaler"))).to.deep.equal([]);
        expect(readFileSync(path.join(out, "azure.yaml"), "utf8")).to.match(/resources: \[\]/);
    });

    it("shows secrets only as placeholders", async () => {
        const local = await renderStack({ projectDir, stack: "local" });
        const secret = local.files.get("kubernetes/ecommerce/secret-ecommerce-db.yaml")!;
        expect(secret).to.include('DATABASE_URL: "[secret]"');
        expect([...local.files.values()].join("\n")).not.to.include("postgres://");
        const prod = await renderStack({ projectDir, stack: "prod" });
        expect(prod.files.get("other-resources.yaml")).to.include('kubeconfig: "[secret]"');
    });
});
