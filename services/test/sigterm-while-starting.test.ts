// SIGTERM before the start is over: a service whose database is not reachable waits for it
// (the startup probe says so), and a stop must end that wait at once rather than be
// ignored until the kubelet's SIGKILL, which is what PID 1 without a handler does.
import { expect } from "chai";
import { freePort } from "../dev/ports";
import { productFromSources, startupTimeoutMs } from "./e2e/from-sources";

async function status(url: string): Promise<number> {
    return fetch(url).then((res) => res.status, () => 0);
}

describe("SIGTERM while the service waits for its database", function () {
    this.timeout(startupTimeoutMs);

    it("stops the pending migration and exits 0 within seconds", async () => {
        const port = await freePort();
        const deadPort = await freePort(); // Nothing listens there: connections are refused.
        const url = `http://127.0.0.1:${port}`;
        const service = productFromSources(port, { DATABASE_URL: `postgres://nobody@127.0.0.1:${deadPort}/ecommerce` });
        try {
            const deadline = Date.now() + startupTimeoutMs;
            while ((await status(`${url}/health/live`)) !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
            expect(await status(`${url}/health/startup`), "startup while the database is unreachable").to.equal(503);
            const sent = performance.now();
            const exit = await service.stop(10_000);
            const seconds = (performance.now() - sent) / 1000;
            expect(exit, "exit after SIGTERM").to.deep.equal({ code: 0, signal: null, killed: false, wasRunning: true });
            expect(seconds, "seconds from SIGTERM to exit").to.be.below(5);
        } finally {
            await service.stop(1_000);
        }
    });
});
