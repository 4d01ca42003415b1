import net from "node:net";

// Ports this process has handed out. The OS may hand a just-closed probe's port out again,
// and two services of one stack given the same port end with one of them crashing on
// EADDRINUSE while the other answers its health checks and its requests.
const handedOut = new Set<number>();

function probe(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/**
 * Asks the OS for a free loopback port, never one this process got before. Another process
 * could still take it before we bind, which is fine for dev.
 */
export async function freePort(): Promise<number> {
    for (;;) {
        const port = await probe();
        if (!handedOut.has(port)) {
            handedOut.add(port);
            return port;
        }
    }
}
