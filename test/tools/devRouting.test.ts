// The dev router's routing from a stack (split and faults) and the watcher that follows the
// stack file while npm run dev runs; the router side (faults gate) is the services' own test.
import { pbkdf2 } from "node:crypto";
import { copyFileSync, mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { decideFault, faultGate } from "../../services/dev/faults";
import { readRouting, watchRouting, type DevRouting } from "../../tools/devRouting";
import { StackFileTarget } from "../../tools/promote/target";
import { projectDir } from "../support/stacks";

/** Polls (a loaded machine delays the file watcher's stat calls), up to 10 s. */
async function until(done: () => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe("npm run dev: routing from the stack file", function () {
    this.timeout(20_000);

    it("takes the dev stack's split and its fault demo (2s delay for x-fault-inject: true)", () => {
        expect(readRouting(projectDir, "dev")).to.deep.equal({
            split: { stable: "v1", canary: "v2", weight: 10, header: "x-version" },
            faults: { product: { header: "x-fault-inject", delay: { percentage: 100, fixedDelayMs: 2000 } } },
        });
    });

    it("follows an edit of the file, and reports an invalid one with the config error", async () => {
        const dir = mkdtempSync(path.join(tmpdir(), "dev-routing-"));
        copyFileSync(path.join(projectDir, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
        const seen: DevRouting[] = [];
        const errors: string[] = [];
        const stop = watchRouting(dir, "dev", (r) => seen.push(r), (e) => errors.push(e), 50);
        try {
            await new StackFileTarget(dir, "dev", 0).apply([{ path: "services.product.canary.weight", value: 25 }]);
            await until(() => seen.length > 0);
            expect(seen.at(-1)?.split.weight).to.equal(25);
            const file = path.join(dir, "Pulumi.dev.yaml");
            writeFileSync(file, readFileSync(file, "utf8").replace("weight: 25", "weight: 250"));
            await until(() => errors.length > 0);
            expect(errors.at(-1)).to.contain("ecommerce-mesh:services.product.canary.weight: 250 is not an integer from 0 to 100");
        } finally {
            stop();
        }
    });
    it("sees an edit made right after it starts, even while the thread pool is busy (a loaded machine)", async () => {
        const dir = mkdtempSync(path.join(tmpdir(), "dev-routing-"));
        copyFileSync(path.join(projectDir, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
        // Four slow jobs fill libuv's default pool of four threads, so any stat a watcher queues there runs after the edit.
        const busy = Array.from({ length: 4 }, () => new Promise((resolve) => pbkdf2("x", "y", 300_000, 32, "sha256", resolve)));
        const seen: DevRouting[] = [];
        const stop = watchRouting(dir, "dev", (r) => seen.push(r), () => undefined, 50);
        try {
            await new StackFileTarget(dir, "dev", 0).apply([{ path: "services.product.canary.weight", value: 40 }]);
            await Promise.all(busy);
            await until(() => seen.length > 0);
            expect(seen.at(-1)?.split.weight).to.equal(40);
        } finally {
            stop();
        }
    });
});

describe("npm run dev: fault injection at the edge", () => {
    const fault = { header: "x-fault-inject", delay: { percentage: 100, fixedDelayMs: 30 }, abort: { percentage: 50, httpStatus: 503 } };

    it("touches only requests with <header>: true, on its own draws", () => {
        expect(decideFault(fault, {}, () => 0)).to.deep.equal({ delayMs: 0 });
        expect(decideFault(fault, { "x-fault-inject": "false" }, () => 0)).to.deep.equal({ delayMs: 0 });
        expect(decideFault(fault, { "x-fault-inject": "true" }, () => 0.4)).to.deep.equal({ delayMs: 30, abortStatus: 503 });
        expect(decideFault(fault, { "x-fault-inject": "true" }, () => 0.6)).to.deep.equal({ delayMs: 30, abortStatus: undefined });
    });

    it("delays, then answers the abort in the services' error shape", async () => {
        const gate = faultGate(() => ({ product: fault }), () => 0.1);
        const started = Date.now();
        const reply = await gate({ url: "/api/products", headers: { "x-fault-inject": "true" } } as never);
        expect(Date.now() - started).to.be.at.least(25);
        expect(reply).to.deep.equal({ status: 503, body: { error: "fault injected", details: { service: "product", abort: 503 } } });
        expect(await gate({ url: "/api/cart/1", headers: { "x-fault-inject": "true" } } as never)).to.equal(undefined);
    });
});
