// SIGTERM under load: a real service process keeps serving through its shutdown delay,
// finishes every request in flight (one of them still uploading its body after the
// listener closed), and exits 0.
//
// The clients stop starting requests shortly after the service reports not-ready, as the
// mesh does when it removes the endpoint. Without that, connections still queued in the
// kernel's backlog when the listener closes are reset, a loss no server can prevent and
// the reason the shutdown delay exists.
import { expect } from "chai";
import http from "node:http";
import net from "node:net";
import { freePort } from "../dev/ports";
import { waitReady } from "../dev/stack";
import { createTestDatabase } from "./support/database";
import { productFromSources, startupTimeoutMs } from "./e2e/from-sources";

interface Outcome {
    readonly startedAt: number;
    readonly endedAt: number;
    /** Empty when the answer was a complete 2xx product list. */
    readonly problem: string;
}

/**
 * Sends one request on its own connection (so a failure can only mean the server dropped
 * this request) and checks the answer is a 2xx whose JSON body has `field`. `send` writes
 * the request body; it may hold some back to keep the request in flight.
 */
function exchange(url: string, method: string, field: string, send: (req: http.ClientRequest) => void): Promise<Outcome> {
    const startedAt = performance.now();
    return new Promise((resolve) => {
        const done = (problem: string) => resolve({ startedAt, endedAt: performance.now(), problem });
        const req = http.request(url, { method, agent: false, headers: { "content-type": "application/json" } }, (res) => {
            let body = "";
            res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
            res.on("error", (err) => done(`response broke: ${err.message}`));
            res.on("end", () => {
                const status = res.statusCode ?? 0;
                if (status < 200 || status >= 300) return done(`status ${status}: ${body}`);
                try {
                    done(JSON.parse(body)[field] === undefined ? `body without ${field}` : "");
                } catch {
                    done("truncated body");
                }
            });
        });
        req.on("error", (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
        req.setTimeout(10_000, () => req.destroy(new Error("timed out")));
        send(req);
    });
}

const fetchProducts = (url: string) => exchange(`${url}/api/products`, "GET", "products", (req) => req.end());

/** A rating whose body arrives in two halves; resolves the answer after `release()` sends the rest. */
function slowRating(url: string): { answer: Promise<Outcome>; release(): void } {
    const body = JSON.stringify({ stars: 5, comment: "sent slowly across a shutdown" });
    const half = Math.floor(body.length / 2);
    let rest: () => void = () => undefined;
    const answer = exchange(`${url}/api/products/1/ratings`, "POST", "rating", (req) => {
        req.setHeader("content-length", Buffer.byteLength(body));
        req.setHeader("x-auth-subject", "u1"); // a signed-in customer, as the gateway passes it on
        req.write(body.slice(0, half));
        rest = () => req.end(body.slice(half));
    });
    return { answer, release: () => rest() };
}

/** Resolves once new connections are refused: the listener is closed. */
async function listenerClosed(port: number): Promise<void> {
    for (;;) {
        const refused = await new Promise<boolean>((resolve) => {
            const socket = net.connect(port, "127.0.0.1", () => {
                socket.destroy();
                resolve(false);
            });
            socket.on("error", () => resolve(true));
        });
        if (refused) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

/** Resolves once /health/ready stops answering 200, polling like a kubelet probe (faster). */
async function notReady(url: string): Promise<void> {
    for (;;) {
        const status = await fetch(`${url}/health/ready`).then((res) => res.status, () => 0);
        if (status !== 200) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

describe("shutdown: SIGTERM under load", function () {
    this.timeout(startupTimeoutMs);

    it("answers every request in full while draining, and exits 0", async () => {
        const database = await createTestDatabase();
        const port = await freePort();
        const url = `http://127.0.0.1:${port}`;
        // Long enough that a busy CI machine still stops sending well before the listener closes.
        const shutdownDelayMs = 3_000;
        const service = productFromSources(port, {
            SERVICE_VERSION: "v2", // v2 takes ratings: a POST whose body can be sent slowly.
            DATABASE_URL: database.url,
            SHUTDOWN_DELAY_MS: String(shutdownDelayMs),
            SHUTDOWN_GRACE_MS: "10000",
        });
        try {
            await waitReady(service, url, startupTimeoutMs);

            // A closed loop of 8 clients keeps 8 requests in flight at every moment, SIGTERM included.
            // No cap on the count: a fast machine would reach it before SIGTERM and send nothing after.
            const clients = 8;
            const outcomes: Outcome[] = [];
            let routing = true;
            const client = async () => {
                while (routing) outcomes.push(await fetchProducts(url));
            };
            const stream = Promise.all(Array.from({ length: clients }, client));
            await new Promise((resolve) => setTimeout(resolve, 1_000));
            const slow = slowRating(url);
            await new Promise((resolve) => setTimeout(resolve, 100));

            const sigtermAt = performance.now();
            const stopped = service.stop(15_000);
            await notReady(url);
            // The mesh takes a moment to stop routing: keep sending until half the delay is over.
            await new Promise((resolve) => setTimeout(resolve, Math.max(0, sigtermAt + shutdownDelayMs / 2 - performance.now())));
            routing = false;
            await stream;
            await listenerClosed(port);
            slow.release();
            const slowOutcome = await slow.answer;
            const exit = await stopped;

            expect(outcomes.filter((o) => o.problem), "requests not answered 2xx in full").to.deep.equal([]);
            expect(outcomes.filter((o) => o.startedAt < sigtermAt && o.endedAt > sigtermAt).length, "in flight at SIGTERM").to.be.greaterThan(0);
            expect(outcomes.filter((o) => o.startedAt > sigtermAt).length, "started after SIGTERM").to.be.greaterThan(0);
            expect(slowOutcome.problem, "request still uploading when the listener closed").to.equal("");
            expect(exit, "exit after SIGTERM").to.deep.equal({ code: 0, signal: null, killed: false, wasRunning: true });
        } finally {
            await service.stop(5_000);
        }
    });
});
