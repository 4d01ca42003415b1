import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { StackConfigError } from "../../stacks";
import { StackFileError } from "../../tools/capture/stackFile";
import { productSplitFromStack, rateBudgetFromStack, routeTimeoutsFromStack } from "../../tools/dev";

describe("npm run dev: the product split", () => {
    it("takes the dev stack's canary over the defaults", () => {
        expect(productSplitFromStack("dev")).to.deep.equal({ stable: "v1", canary: "v2", weight: 10, header: "x-version" });
    });

    it("follows another stack when named", () => {
        expect(productSplitFromStack("local").weight).to.equal(50);
    });

    it("refuses an unknown stack", () => {
        expect(() => productSplitFromStack("staging")).to.throw(StackFileError, "no stack file Pulumi.staging.yaml");
    });

    it("refuses a stack whose config is invalid, with the config error", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "dev-split-"));
        writeFileSync(path.join(dir, "Pulumi.broken.yaml"), "config:\n  ecommerce-mesh:environment: dev\n  ecommerce-mesh:images: { tag: '1' }\n  ecommerce-mesh:registry: { name: ecommercemesh }\n  ecommerce-mesh:services:\n    product:\n      canary: { weight: 150 }\n");
        expect(() => productSplitFromStack("broken", dir)).to.throw(StackConfigError, "ecommerce-mesh:services.product.canary.weight: 150 is not an integer from 0 to 100");
    });
});

describe("npm run dev: the route timeouts", () => {
    it("gives the router each service's route timeout from the stack, in ms", () => {
        const timeouts = routeTimeoutsFromStack("dev");
        expect(timeouts).to.include({ product: 5000, cart: 16000, order: 30000, payment: 15000, user: 8000 });
        expect(Object.keys(timeouts)).to.have.length(8);
    });
});

describe("npm run dev: the edge rate limit", () => {
    it("hands the dev stack's rateLimit to the router in milliseconds", () => {
        expect(rateBudgetFromStack("dev")).to.deep.equal({ intervalMs: 60_000, read: 600, write: 120 });
    });

    it("hands nothing when the stack turns the limit off", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "dev-limit-"));
        const stack = readFileSync(path.join(__dirname, "..", "..", "Pulumi.dev.yaml"), "utf8");
        writeFileSync(path.join(dir, "Pulumi.off.yaml"), `${stack}  ecommerce-mesh:rateLimit:\n    enabled: false\n`);
        expect(rateBudgetFromStack("off", dir)).to.equal(null);
    });
});
