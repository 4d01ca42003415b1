// The local stand-in for the Istio ingress gateway: a plain reverse proxy that routes by
// chooseBackend() and streams requests and responses through untouched, so backend errors
// reach the caller exactly as the services sent them.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { normalisePath } from "./paths";
import type { ServiceName } from "../src/runtime/service-names";
import { BodyLimit, declaresTooLarge, routeTimer, tooLargeBody } from "./passthrough";
import type { LocalReply, RequestGate } from "./access";
import { chooseBackend, type Backend, type ProductSplit, type RandomSource } from "./routes";

/** Base URL of the process serving a backend, or undefined when none is running. */
export type BackendUrl = (backend: Backend) => string | undefined;

export interface RouterOptions {
    /** Read on every request, so the stack can swap it while running (reroute). */
    split: ProductSplit;
    readonly backendUrl: BackendUrl;
    readonly random?: RandomSource;
    /** The services' BODY_LIMIT_BYTES: larger bodies get their 413 from the router (passthrough.ts). */
    readonly bodyLimitBytes?: number;
    /** The stack's route timeout per service, in ms; none: wait as long as the service takes. */
    readonly routeTimeoutMs?: Readonly<Partial<Record<ServiceName, number>>>;
    /** Access rules and rate limits (access.ts, ratelimit.ts), applied before routing. */
    readonly gate?: RequestGate;
}

// Hop-by-hop headers belong to one connection and must not be forwarded (RFC 9110 §7.6.1).
const hopByHop = new Set([
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
]);

function forwardable(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
    return Object.fromEntries(Object.entries(headers).filter(([name]) => !hopByHop.has(name)));
}

function sendJson(res: http.ServerResponse, status: number, body: object): void {
    const payload = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
    res.end(payload);
}

/** Answers without the backend, closing the connection and draining whatever body is left. */
function answerItself(req: http.IncomingMessage, res: http.ServerResponse, status: number, body: object): void {
    res.shouldKeepAlive = false;
    sendJson(res, status, body);
    req.resume();
}

function sendLocalReply(res: http.ServerResponse, reply: LocalReply): void {
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    sendJson(res, reply.status, reply.body);
}

// Envoy answers 503 when it cannot reach an upstream at all and 502 when the upstream broke
// the exchange; keep the same distinction so local failures look like mesh failures.
const unreachable = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENOTFOUND"]);

export function createRouter(options: RouterOptions): http.Server {
    // Keep-alive to the backends, as the sidecar would, so the router adds little latency.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

    const forward = (req: http.IncomingMessage, res: http.ServerResponse, path: string) => {
        const backend = chooseBackend(req.method ?? "GET", path, req.headers, options.split, options.random);
        if (!backend) {
            sendJson(res, 404, { error: "not_found", message: `no route for ${path}` });
            return;
        }
        const name = backend.version ? `${backend.service} ${backend.version}` : backend.service;
        const base = options.backendUrl(backend);
        if (!base) {
            sendJson(res, 503, { error: "backend_unavailable", service: name, message: `${name} is not running` });
            return;
        }
        const limit = options.bodyLimitBytes;
        if (limit !== undefined && declaresTooLarge(req, limit)) {
            answerItself(req, res, 413, tooLargeBody);
            return;
        }
        const headers = forwardable(req.headers);
        // Append the caller, as Envoy does, so an address set by an outer proxy is kept.
        const client = req.socket.remoteAddress ?? "";
        headers["x-forwarded-for"] = req.headers["x-forwarded-for"] ? `${req.headers["x-forwarded-for"]}, ${client}` : client;
        headers["x-forwarded-proto"] = "http";

        // Set once the router answers itself (413, 504): what the backend does after that is moot.
        let answered = false;
        // Set when the backend answered before the whole body was sent.
        let early = false;
        const upstream = http.request(new URL(path, base), { method: req.method, headers, agent });
        const timeoutMs = options.routeTimeoutMs?.[backend.service];
        const timer = routeTimer(req, timeoutMs, () => {
            if (res.headersSent) return void res.destroy(); // Envoy resets a stream it cannot answer any more.
            answered = true;
            upstream.destroy();
            sendJson(res, 504, { error: "gateway_timeout", service: name, message: `${name} did not answer within the route timeout (${timeoutMs} ms)` });
        });
        res.on("close", () => timer.clear());
        upstream.on("response", (answer) => {
            if (answered) return void answer.resume();
            // An early answer (e.g. a 4xx before the body was read): stop uploading, drain the rest.
            if (!req.complete) {
                early = true;
                req.unpipe();
                req.resume();
                res.shouldKeepAlive = false;
                answer.once("end", () => upstream.destroy());
            }
            res.writeHead(answer.statusCode ?? 502, forwardable(answer.headers));
            answer.pipe(res);
            // The backend died mid-body: cut the client off too rather than end the answer cleanly.
            answer.on("error", (err) => res.destroy(err));
        });
        upstream.on("error", (err: NodeJS.ErrnoException) => {
            // After an early answer the upload fails by design; the answer's own stream says if it broke.
            if (answered || early) return;
            if (res.headersSent) {
                res.destroy(err); // The client sees a truncated answer, never a fake complete one.
                return;
            }
            const code = err.code ?? "";
            const status = unreachable.has(code) ? 503 : 502;
            const error = status === 503 ? "backend_unavailable" : "bad_gateway";
            sendJson(res, status, { error, service: name, message: `${name}: ${code || err.message}` });
        });
        // The caller went away before the answer was complete: stop the backend request too.
        res.on("close", () => {
            if (!res.writableFinished) upstream.destroy();
        });
        if (limit === undefined) {
            req.pipe(upstream);
            return;
        }
        req.pipe(
            new BodyLimit(limit, () => {
                if (res.headersSent) return;
                answered = true;
                upstream.destroy();
                answerItself(req, res, 413, tooLargeBody);
            }),
        ).pipe(upstream);
    };
    const server = http.createServer((req, res) => {
        // Normalise first, as Envoy does: the access rules and the routing see the same path.
        const normalised = normalisePath(req.url ?? "/");
        if (!normalised.ok) {
            sendJson(res, 400, { error: "bad_request", message: normalised.reason });
            return;
        }
        const path = normalised.path;
        req.url = path;
        if (!options.gate) return forward(req, res, path);
        options.gate(req).then(
            (reply) => {
                if (!reply) return forward(req, res, path);
                req.resume(); // drain a refused body so the connection can be reused
                sendLocalReply(res, reply);
            },
            (err: Error) => sendJson(res, 500, { error: "internal router error", details: err.message }),
        );
    });
    server.on("close", () => agent.destroy());
    return server;
}

/** Starts the router and resolves with its URL once it is listening. */
export async function listenRouter(server: http.Server, port: number, host: string): Promise<string> {
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
            server.off("error", reject);
            resolve();
        });
    });
    const address = server.address() as AddressInfo;
    return `http://${host}:${address.port}`;
}
