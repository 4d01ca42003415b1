// HTTPS for `npm run dev`, as the ingress Gateway serves it: a development CA generated on
// first use (kept beside the token issuer's key, never committed, the key readable by this
// user only), a server certificate it signs at each start, TLS from a minimum version, HSTS on
// every response, and plain HTTP on the same port answered with the Gateway's 301 to https.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createPrivateKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import http from "node:http";
import https from "node:https";
import net, { type AddressInfo } from "node:net";
import path from "node:path";
import type { SecureVersion } from "node:tls";
import { DevError } from "./errors";
import { defaultIssuerDir } from "./issuer";
import { issueCertificate } from "./x509";

export interface DevCa {
    /** The CA certificate (PEM): what `curl --cacert` and `verify --ca` trust. */
    readonly caFile: string;
    /** A fresh server certificate for `names` (DNS names and IPv4 addresses), signed by the CA. */
    serverCredentials(names: string[]): { key: string; cert: string };
}

/** Default home of the CA: `.dev-tls/` in the repository root, beside `.dev-issuer/` (both git-ignored). */
export function defaultTlsDir(): string {
    return path.join(path.dirname(defaultIssuerDir()), ".dev-tls");
}

const newKey = () => generateKeyPairSync("ec", { namedCurve: "P-256" });
const caName = "ecommerce-mesh development CA";

/** The CA whose key lives in `dir` (created on first use: key mode 0600). */
export function openDevCa(dir: string = defaultTlsDir()): DevCa {
    const keyFile = path.join(dir, "ca-key.pem");
    const caFile = path.join(dir, "ca.pem");
    let caKey: KeyObject;
    if (existsSync(keyFile) && existsSync(caFile)) {
        try {
            caKey = createPrivateKey(readFileSync(keyFile, "utf8"));
        } catch (err) {
            throw new DevError(`${keyFile} is not a development CA key (${(err as Error).message}): delete ${dir} and a new CA is made`);
        }
    } else {
        const { privateKey, publicKey } = newKey();
        caKey = privateKey;
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
        chmodSync(keyFile, 0o600);
        writeFileSync(caFile, issueCertificate({ subject: caName, issuer: caName, publicKey, signingKey: privateKey, days: 3650, isCA: true }));
    }
    return {
        caFile,
        serverCredentials(names) {
            const { privateKey, publicKey } = newKey();
            const cert = issueCertificate({ subject: names[0], issuer: caName, publicKey, signingKey: caKey, days: 30, isCA: false, altNames: names });
            return { key: privateKey.export({ type: "pkcs8", format: "pem" }) as string, cert };
        },
    };
}

/** Istio's Gateway minProtocolVersion, as Node names it. */
export const tlsVersions: Record<"TLSV1_2" | "TLSV1_3", SecureVersion> = { TLSV1_2: "TLSv1.2", TLSV1_3: "TLSv1.3" };

/** The default HTTPS port of `npm run dev`, beside the router's 8080. */
export const defaultTlsPort = 8443;

/** The HTTPS front's port from DEV_TLS_PORT: 8443 by default, a free one when the router's is 0, none for "off". */
export function devTlsPort(raw: string | undefined, routerPort: number): number | undefined {
    const value = raw ?? (routerPort === 0 ? "0" : String(defaultTlsPort));
    if (value === "off") return undefined;
    const port = Number(value);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new DevError(`DEV_TLS_PORT must be a port number or off, got "${value}"`);
    return port;
}

/** DEV_TLS (tools/dev.ts passes the stack's edge settings); the Gateway's defaults without. */
export function devTlsSettings(raw: string | undefined): { minVersion: keyof typeof tlsVersions; hstsMaxAge: number } {
    const parsed = JSON.parse(raw ?? "{}") as { minVersion?: string; hstsMaxAge?: number };
    const minVersion = parsed.minVersion ?? "TLSV1_2";
    if (!(minVersion in tlsVersions)) throw new DevError(`DEV_TLS.minVersion must be one of ${Object.keys(tlsVersions).join(", ")}, got "${minVersion}"`);
    return { minVersion: minVersion as keyof typeof tlsVersions, hstsMaxAge: parsed.hstsMaxAge ?? 63_072_000 };
}

export interface TlsFrontOptions {
    ca: DevCa;
    /** The plain router that serves the requests. */
    target: string;
    host: string;
    port: number;
    minVersion: SecureVersion;
    hstsMaxAge: number;
}

export interface TlsFront {
    readonly url: string;
    close(): Promise<void>;
}

/** A TLS record starts with content type 22 (handshake); anything else on the port is plain HTTP. */
const handshake = 0x16;

/** Serves HTTPS in front of `target` on one port, and redirects plain HTTP on that port to it. */
export async function startTlsFront(options: TlsFrontOptions): Promise<TlsFront> {
    const target = new URL(options.target);
    const agent = new http.Agent({ keepAlive: true });
    const hsts = `max-age=${options.hstsMaxAge}; includeSubDomains`;
    const secure = https.createServer({ ...options.ca.serverCredentials(["localhost", "127.0.0.1"]), minVersion: options.minVersion }, (req, res) => {
        const upstream = http.request(
            { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, "x-forwarded-proto": "https" }, agent },
            (answer) => {
                res.writeHead(answer.statusCode ?? 502, { ...answer.headers, "strict-transport-security": hsts });
                answer.pipe(res);
            },
        );
        upstream.on("error", () => {
            if (!res.headersSent) res.writeHead(503, { "content-type": "application/json", "strict-transport-security": hsts });
            res.end(JSON.stringify({ error: "router unavailable" }));
        });
        req.pipe(upstream);
    });
    let port = options.port;
    // Istio's httpsRedirect: 301 to the same host and path over https.
    const plain = http.createServer((req, res) => {
        const host = (req.headers.host ?? options.host).replace(/:\d+$/, "");
        res.writeHead(301, { location: `https://${host}:${port}${req.url ?? "/"}`, "content-length": 0 });
        res.end();
    });
    const front = net.createServer((socket) => {
        socket.once("data", (first) => {
            socket.pause();
            socket.unshift(first);
            (first[0] === handshake ? secure : plain).emit("connection", socket);
            process.nextTick(() => socket.resume());
        });
        socket.on("error", () => socket.destroy());
    });
    await new Promise<void>((resolve, reject) => {
        front.once("error", (err: NodeJS.ErrnoException) =>
            reject(err.code === "EADDRINUSE" ? new DevError(`${options.host}:${options.port} is already in use: stop what listens there or set DEV_TLS_PORT`) : err),
        );
        front.listen(options.port, options.host, () => resolve());
    });
    port = (front.address() as AddressInfo).port;
    return {
        url: `https://localhost:${port}`,
        close: async () => {
            const closed = new Promise<void>((resolve) => front.close(() => resolve()));
            secure.closeAllConnections();
            plain.closeAllConnections();
            agent.destroy();
            await closed;
        },
    };
}
