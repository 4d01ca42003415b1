// The baseline: a bare node:http server answering with fixed bytes, the same JSON the real
// services returned, so the benchmark shows what framework, database and router cost.
// Runs as its own process (like the services) so it does not share a CPU loop with autocannon.
// Input: BENCH_ANSWERS = JSON {"<path>": {"status": 200, "body": "<json text>"}}.
// Output: one line "listening on <url>".
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface CannedAnswer {
    readonly status: number;
    readonly body: string;
}

function serve(answers: Readonly<Record<string, CannedAnswer>>): void {
    const server = http.createServer((req, res) => {
        // Read the request body to the end, as a real handler must before answering.
        req.resume();
        req.on("end", () => {
            const answer = answers[req.url ?? ""];
            if (!answer) {
                res.writeHead(404).end();
                return;
            }
            res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(answer.body) });
            res.end(answer.body);
        });
    });
    server.listen(0, "127.0.0.1", () => {
        process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
    });
    process.on("SIGTERM", () => server.close(() => process.exit(0)).closeIdleConnections());
}

if (require.main === module) serve(JSON.parse(process.env.BENCH_ANSWERS ?? "{}"));
