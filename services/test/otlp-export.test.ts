// Span export runs in a child process: the OpenTelemetry SDK registers process-wide globals
// that the other, in-process tests must not inherit.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { expect } from "chai";
import { buildTestBundle, type TestBundle } from "./support/bundle";
import { createTestDatabase } from "./support/database";
import { get } from "./support/http";
import { runFromSources } from "../dev/typescript";

/** Runs product with `node <args>` against a collector; checks the span of one request arrives. */
async function exportsTheRequestSpan(args: readonly string[]): Promise<void> {
    const received: { url: string; body: string }[] = [];
    const collector = createServer((request, response) => {
        let body = "";
        request.on("data", (chunk) => (body += chunk));
        request.on("end", () => {
            received.push({ url: request.url ?? "", body });
            response.writeHead(200, { "content-type": "application/json" }).end("{}");
        });
    });
    collector.listen(0, "127.0.0.1");
    await once(collector, "listening");
    const probe = createServer();
    probe.listen(0, "127.0.0.1");
    await once(probe, "listening");
    const port = (probe.address() as AddressInfo).port;
    probe.close();

    const child = spawn(process.execPath, args, {
        cwd: join(__dirname, ".."),
        env: {
            PATH: process.env.PATH,
            SERVICE_NAME: "product",
            SERVICE_VERSION: "v2",
            DATABASE_URL: (await createTestDatabase()).url,
            HOST: "127.0.0.1",
            PORT: String(port),
            LOG_LEVEL: "warn",
            SHUTDOWN_DELAY_MS: "0",
            OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
            OTEL_SERVICE_NAME: "product-canary",
        },
        stdio: "ignore",
    });
    try {
        const base = `http://127.0.0.1:${port}`;
        for (let ready = 0; ready !== 200; ) {
            await new Promise((resolve) => setTimeout(resolve, 200));
            ready = await get(`${base}/health/ready`).then((a) => a.status, () => 0);
        }
        const traceId = "5b8efff798038103d269b633813fc60c";
        await get(`${base}/api/products/1`, { traceparent: `00-${traceId}-eee19b7ec3c1b174-01` });
        // SIGTERM flushes the batch of spans before the process exits.
        child.kill("SIGTERM");
        const [code] = await once(child, "exit");
        expect(code).to.equal(0);
        const traces = received.filter((r) => r.url === "/v1/traces").map((r) => r.body).join("\n");
        expect(traces).to.contain(traceId);
        expect(traces).to.contain("product-canary");
        expect(traces).to.contain("GET /api/products/:id");
    } finally {
        child.kill("SIGKILL");
        collector.close();
    }
}

describe("OTLP trace export", function () {
    this.timeout(30_000);

    it("sends the request's span, with the caller's trace id and the service name, to OTEL_EXPORTER_OTLP_ENDPOINT", async () => {
        await exportsTheRequestSpan([...runFromSources, join(__dirname, "../src/main.ts")]);
    });

    describe("from the bundle, which imports the SDK from node_modules", () => {
        let bundle: TestBundle;
        before(async () => (bundle = await buildTestBundle()));
        after(() => bundle.remove());

        it("sends the same span", async () => {
            await exportsTheRequestSpan([bundle.script]);
        });
    });
});
