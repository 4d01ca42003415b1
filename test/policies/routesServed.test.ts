import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { allPolicies } from "../../policies/policies";
import { defaultServedOnly } from "../../policies/rules/routesServed";
import { apiRoutes } from "../../services/src/runtime/api-surface";
import type { CapturedResource } from "../../tools/capture/capture";
import { capture, find, summary, violationsOf } from "./support";

const httpOf = (resources: CapturedResource[], name: string) => find(resources, "VirtualService", name).inputs.spec.http as { name: string }[];

describe("policies: edge-routes-served", () => {
    let prod: CapturedResource[];
    beforeEach(async () => {
        prod = await capture("prod");
    });

    it("passes the shipped stacks: ratings go only to v2, in the mesh and at the edge", async () => {
        expect(violationsOf("edge-routes-served", prod)).to.deep.equal([]);
        expect(violationsOf("edge-routes-served", await capture("dev"), "dev")).to.deep.equal([]);
    });

    it("blocks the old routes, which weighted ratings 90/10 onto v1 and pinned them to v1 with x-version", () => {
        for (const name of ["product", "ecommerce-gateway"]) {
            const http = httpOf(prod, name);
            http.splice(0, http.length, ...http.filter((route) => !route.name.startsWith("product-v2-only")));
        }
        const found = summary(violationsOf("edge-routes-served", prod));
        expect(found).to.include(
            'product: VirtualService ecommerce/product: route "product-v1-pinned" sends GET /api/products/:id/ratings to subset v1 of product.ecommerce.svc.cluster.local (weight 100), which does not serve it (only v2): that share gets 404',
        );
        expect(found).to.include(
            'product: VirtualService ecommerce/product: route "product-reads" sends GET /api/products/:id/ratings to subset v1 of product.ecommerce.svc.cluster.local (weight 90), which does not serve it (only v2): that share gets 404',
        );
        expect(found).to.include(
            'ecommerce-gateway: VirtualService ecommerce/ecommerce-gateway: route "product-reads" sends GET /api/products/:id/ratings to subset v1 of product.ecommerce.svc.cluster.local (weight 90), which does not serve it (only v2): that share gets 404',
        );
        expect(found.every((line) => line.includes("subset v1"))).to.equal(true);
    });

    it("blocks a header route placed before the v2-only routes (x-version: v1 on ratings)", () => {
        const http = httpOf(prod, "product");
        const pinned = http.findIndex((route) => route.name === "product-v1-pinned");
        http.unshift(...http.splice(pinned, 1));
        expect(summary(violationsOf("edge-routes-served", prod))).to.deep.equal([
            'product: VirtualService ecommerce/product: route "product-v1-pinned" sends GET /api/products/:id/ratings to subset v1 of product.ecommerce.svc.cluster.local (weight 100), which does not serve it (only v2): that share gets 404',
            'product: VirtualService ecommerce/product: route "product-v1-pinned" sends POST /api/products/:id/ratings to subset v1 of product.ecommerce.svc.cluster.local (weight 100), which does not serve it (only v2): that share gets 404',
        ]);
    });

    it("knows the API surface's served-only routes (the pack does not import the services)", () => {
        const fromSurface = apiRoutes.filter((route) => route.versions).map((route) => ({ service: route.service, method: route.method, path: route.path, versions: [...route.versions!] }));
        expect(defaultServedOnly).to.deep.equal(fromSurface);
    });

    it("is counted in the development guide's policy pack size", () => {
        const readme = readFileSync(path.join(__dirname, "..", "..", "docs", "development.md"), "utf8");
        expect(readme).to.contain(`A CrossGuard pack (\`@pulumi/policy\`) of ${allPolicies.length} policies`);
        expect(allPolicies.map((p) => p.name)).to.include("edge-routes-served");
    });
});
