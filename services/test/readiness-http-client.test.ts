// issue 25, item 7: undici loads on the first call between services, so on a Node it does not
// support every such call failed while readiness said 200. Readiness now sends one request
// through the inter-service client (to the service itself) before it reports ready.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { expect } from "chai";
import { downstreamsOf, serviceNames } from "../src/index";
import { onceSucceeded } from "../src/runtime/health";
import { createTestDatabase } from "./support/database";
import { get, type Answer } from "./support/http";
import { startStack, testEnv, type TestStack } from "./support/services";
import { runFromSources } from "../dev/typescript";

async function freePort(): Promise<number> {
    const probe = createServer().listen(0, "127.0.0.1");
    await once(probe, "listening");
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    return port;
}

describe("readiness exercises the inter-service HTTP client once", () => {
    let databaseUrl: string;
    before(async () => {
        databaseUrl = (await createTestDatabase()).url;
    });

    describe("cart in a process whose undici cannot load", () => {
        let child: ChildProcess;
        after(() => child?.kill("SIGKILL"));

        it("answers 503 'http client unusable' on /health/ready while /health/startup is 200 (was: ready)", async () => {
            const port = await freePort();
            child = spawn(process.execPath, ["-r", join(__dirname, "support/undici-unusable.js"), ...runFromSources, join(__dirname, "../src/main.ts")], {
                cwd: join(__dirname, ".."),
                env: { PATH: process.env.PATH, ...testEnv("cart", databaseUrl, { PORT: String(port), PRODUCT_URL: "http://127.0.0.1:1", INVENTORY_URL: "http://127.0.0.1:1" }) },
                stdio: "ignore",
            });
            const url = `http://127.0.0.1:${port}`;
            let startup: Answer | undefined;
            for (const deadline = Date.now() + 60_000; startup?.status !== 200; await new Promise((resolve) => setTimeout(resolve, 100))) {
                if (Date.now() > deadline || child.exitCode !== null) throw new Error("cart did not start");
                startup = await get(`${url}/health/startup`).catch(() => undefined);
            }
            const ready = await get(`${url}/health/ready`);
            expect(ready.status).to.equal(503);
            expect(ready.body.details.status).to.equal("http client unusable: undici needs Node.js >= 22.19.0 (simulated)");
        });
    });

    describe("cart and order on a working Node, and a leaf", () => {
        let stack: TestStack;
        before(async () => {
            stack = await startStack(databaseUrl, ["cart", "order", "inventory"]);
        });
        after(() => stack?.stop());

        for (const name of ["cart", "order", "inventory"] as const) {
            it(`${name} is ready`, async () => {
                expect((await get(`${stack.url(name)}/health/ready`)).status).to.equal(200);
            });
        }
    });

    it("checks the client in exactly the services that call others, cart and order (services/README.md)", () => {
        expect(serviceNames.filter((name) => downstreamsOf[name].length > 0)).to.deep.equal(["cart", "order"]);
    });

    it("runs the check until it succeeds once, one run at a time, then never again", async () => {
        let runs = 0;
        let fail = true;
        const check = onceSucceeded(async () => {
            runs++;
            await new Promise((resolve) => setTimeout(resolve, 10));
            if (fail) throw new Error("down");
        });
        expect(await Promise.all([check(), check()])).to.deep.equal(["down", "down"]);
        expect(runs).to.equal(1);
        fail = false;
        expect(await check()).to.equal(undefined);
        expect(await check()).to.equal(undefined);
        expect(runs).to.equal(2);
    });
});
