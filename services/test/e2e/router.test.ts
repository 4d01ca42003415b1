import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { chooseBackend, defaultProductSplit, productVersion, routePrefixes, serviceForPath } from "../../dev/routes";
import { serviceNames } from "../../src/runtime/service-names";
import { seededRandom } from "./seeded-random";

describe("router: choosing the backend", () => {
    it("maps every edge prefix, with subpaths and query strings, to its service", () => {
        for (const service of serviceNames) {
            const prefix = routePrefixes[service];
            expect(serviceForPath(prefix), prefix).to.equal(service);
            expect(serviceForPath(`${prefix}/42`), `${prefix}/42`).to.equal(service);
            expect(serviceForPath(`${prefix}?page=2`), `${prefix}?page=2`).to.equal(service);
        }
        expect(serviceForPath("/api/notifications?userId=1")).to.equal("notification");
    });

    it("uses the same prefixes as the ingress (stacks/catalog.ts)", () => {
        // The services package cannot import the Pulumi package, so compare with its source text.
        const catalog = readFileSync(path.resolve(__dirname, "..", "..", "..", "stacks", "catalog.ts"), "utf8");
        const ingress = Object.fromEntries([...catalog.matchAll(/(\w+): \{\s*routePrefix: "([^"]+)"/g)].map(([, service, prefix]) => [service, prefix]));
        expect(ingress).to.deep.equal(routePrefixes);
    });

    it("has no route for unknown prefixes or partial segments", () => {
        for (const path of ["/", "/api", "/api/unknown", "/api/productsX", "/health/ready", "/products"]) {
            expect(chooseBackend("GET", path, {}, defaultProductSplit), path).to.equal(undefined);
        }
    });

    it("routes non-product services without a version", () => {
        expect(chooseBackend("GET", "/api/orders/7", { "x-version": "v2" }, defaultProductSplit)).to.deep.equal({ service: "order" });
    });

    it("lets the configured header pin either product version", () => {
        const alwaysStable = () => 0.99;
        const alwaysCanary = () => 0;
        expect(chooseBackend("GET", "/api/products", { "x-version": "v2" }, defaultProductSplit, alwaysStable)).to.deep.equal({ service: "product", version: "v2" });
        expect(chooseBackend("GET", "/api/products/1", { "x-version": "v1" }, defaultProductSplit, alwaysCanary)).to.deep.equal({ service: "product", version: "v1" });
        const custom = { ...defaultProductSplit, header: "X-Canary" };
        expect(chooseBackend("GET", "/api/products", { "x-canary": "v2" }, custom, alwaysStable)?.version).to.equal("v2");
        expect(chooseBackend("GET", "/api/products", { "x-version": "v2" }, custom, alwaysStable)?.version).to.equal("v1");
    });

    it("sends a route only v2 serves (ratings) to v2, whatever the draw or the header: 100 of 100", () => {
        const random = seededRandom(7);
        for (const method of ["GET", "HEAD", "POST"]) {
            for (const pin of [{}, { "x-version": "v1" }, { "x-version": "v2" }]) {
                const versions = Array.from({ length: 100 }, () => chooseBackend(method, "/api/products/1/ratings", pin, defaultProductSplit, random)?.version);
                expect(new Set(versions), `${method} ${JSON.stringify(pin)}`).to.deep.equal(new Set(["v2"]));
            }
        }
        // The other product routes keep the split.
        expect(chooseBackend("GET", "/api/products/1", {}, defaultProductSplit, () => 0.5)?.version).to.equal("v1");
    });

    it("ignores a header naming no known version and falls back to the weights", () => {
        expect(productVersion(defaultProductSplit, "v3", () => 0.5)).to.equal("v1");
        expect(productVersion(defaultProductSplit, "v3", () => 0.05)).to.equal("v2");
    });

    it("splits unpinned product traffic by the configured weight", () => {
        const draws = 20_000;
        for (const weight of [0, 10, 50, 100]) {
            const split = { ...defaultProductSplit, weight };
            const random = seededRandom(weight + 1);
            let canary = 0;
            for (let i = 0; i < draws; i++) if (productVersion(split, undefined, random) === "v2") canary++;
            // 20,000 draws: the standard error of the share is under 0.4 points, so ±1.5 is a safe bound.
            expect((canary / draws) * 100, `weight ${weight}`).to.be.closeTo(weight, 1.5);
        }
    });
});
