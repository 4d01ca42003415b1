// issue 25, item 6: a LISTEN connection that dies without a reset (Azure drops idle flows after
// about 4 minutes) must not leave the snapshot trusted. A TCP proxy between the listener and
// PostgreSQL stops forwarding without closing anything, as a dropped flow does.
import { once } from "node:events";
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { expect } from "chai";
import pino from "pino";
import { NotifiedSnapshot } from "../src/runtime/snapshot";
import { createTestDatabase } from "./support/database";

describe("catalogue snapshot: a silently dropped LISTEN connection", () => {
    let proxy: Server;
    let proxiedUrl: string;
    let dropped = false;
    const sockets = new Set<Socket>();

    before(async () => {
        const url = new URL((await createTestDatabase()).url);
        const postgres = { host: url.hostname, port: Number(url.port || 5432) };
        proxy = createServer((client) => {
            const server = createConnection(postgres);
            for (const [from, to] of [[client, server], [server, client]] as const) {
                sockets.add(from);
                from.on("data", (chunk) => dropped || to.write(chunk));
                from.on("error", () => to.destroy());
                from.on("close", () => to.destroy());
            }
        });
        proxy.listen(0, "127.0.0.1");
        await once(proxy, "listening");
        url.hostname = "127.0.0.1";
        url.port = String((proxy.address() as AddressInfo).port);
        proxiedUrl = url.toString();
    });
    after(() => {
        for (const socket of sockets) socket.destroy();
        proxy?.close();
    });

    it("stops trusting the copy once the health query goes unanswered (was: trusted for good)", async () => {
        const snapshot = new NotifiedSnapshot({
            databaseUrl: proxiedUrl,
            channel: "health_test",
            load: async () => Date.now(),
            logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
            reconnectMs: 60_000,
            healthMs: 100,
            healthTimeoutMs: 200,
        });
        await snapshot.start();
        try {
            expect(snapshot.trusted).to.equal(true);
            dropped = true;
            const deadline = Date.now() + 3_000;
            while (snapshot.trusted && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
            expect(snapshot.trusted).to.equal(false);
        } finally {
            await snapshot.close();
        }
    });
});
