// `npm run dev`'s HTTPS front, with real TLS clients: Node's https and, where installed,
// `openssl s_client`. A plain backend stands in for the router.
import { execFile, spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import { expect } from "chai";
import { openDevCa, startTlsFront, type TlsFront } from "../dev/tls";

const get = (url: string, options: https.RequestOptions = {}) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
        const client = url.startsWith("https:") ? https : http;
        client
            .get(url, options, (res) => {
                let body = "";
                res.on("data", (chunk) => (body += chunk));
                res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
            })
            .on("error", reject);
    });

/** Resolves with the negotiated protocol, or rejects with the handshake's error. */
const handshake = (port: number, ca: string, version: tls.SecureVersion) =>
    new Promise<string>((resolve, reject) => {
        const socket = tls.connect({ host: "127.0.0.1", port, servername: "localhost", ca, minVersion: version, maxVersion: version }, () => {
            resolve(socket.getProtocol()!);
            socket.end();
        });
        socket.on("error", reject);
    });

const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

describe("dev HTTPS (services/dev/tls.ts)", () => {
    let dir: string;
    let backend: http.Server;
    let target: string;
    const fronts: TlsFront[] = [];
    const front = async (minVersion: tls.SecureVersion = "TLSv1.2") => {
        const started = await startTlsFront({ ca: openDevCa(dir), target, host: "127.0.0.1", port: 0, minVersion, hstsMaxAge: 63_072_000 });
        fronts.push(started);
        return started;
    };

    before(async () => {
        dir = mkdtempSync(path.join(tmpdir(), "ecommerce-mesh-dev-tls-"));
        backend = http.createServer((req, res) => {
            res.writeHead(200, { "content-type": "application/json" });
            res.end(JSON.stringify({ path: req.url, proto: req.headers["x-forwarded-proto"] }));
        });
        await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
        target = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    });

    after(async () => {
        await Promise.all(fronts.map((f) => f.close()));
        backend.close();
        rmSync(dir, { recursive: true, force: true });
    });

    it("makes a CA on first use, its key readable by this user only, and keeps it across starts", () => {
        const ca = openDevCa(dir);
        expect(statSync(path.join(dir, "ca-key.pem")).mode & 0o777).to.equal(0o600);
        const cert = new X509Certificate(readFileSync(ca.caFile));
        expect(cert.ca).to.equal(true);
        expect(cert.subject).to.equal("CN=ecommerce-mesh development CA");
        expect(openDevCa(dir).caFile).to.equal(ca.caFile);
        expect(new X509Certificate(readFileSync(openDevCa(dir).caFile)).fingerprint256).to.equal(cert.fingerprint256);
    });

    it("issues a server certificate for localhost and 127.0.0.1 that the CA signed", () => {
        const ca = openDevCa(dir);
        const server = new X509Certificate(ca.serverCredentials(["localhost", "127.0.0.1"]).cert);
        const root = new X509Certificate(readFileSync(ca.caFile));
        expect(server.verify(root.publicKey)).to.equal(true);
        expect(server.checkIssued(root)).to.equal(true);
        expect(server.checkHost("localhost")).to.equal("localhost");
        expect(server.checkIP("127.0.0.1")).to.equal("127.0.0.1");
        expect(server.ca).to.equal(false);
    });

    it("answers over HTTPS with the CA trusted, with HSTS, and tells the router the request was https", async () => {
        const { url } = await front();
        const answer = await get(`${url}/api/products`, { ca: readFileSync(openDevCa(dir).caFile) });
        expect(answer.status).to.equal(200);
        expect(JSON.parse(answer.body)).to.deep.equal({ path: "/api/products", proto: "https" });
        expect(answer.headers["strict-transport-security"]).to.equal("max-age=63072000; includeSubDomains");
    });

    it("is refused by a client that does not trust the development CA", async () => {
        const { url } = await front();
        const error = await get(`${url}/api/products`).then(
            () => undefined,
            (err: NodeJS.ErrnoException) => err,
        );
        expect(error?.code).to.match(/SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY/);
    });

    it("redirects plain HTTP on the same port with a 301 to https, as the Gateway's httpsRedirect", async () => {
        const { url } = await front();
        const port = new URL(url).port;
        const answer = await get(`http://localhost:${port}/api/products?page=2`);
        expect(answer.status).to.equal(301);
        expect(answer.headers.location).to.equal(`https://localhost:${port}/api/products?page=2`);
    });

    it("refuses a handshake below its minimum version (TLS 1.3 minimum: a TLS 1.2 client fails, a 1.3 client passes)", async () => {
        const ca = readFileSync(openDevCa(dir).caFile, "utf8");
        const strict = Number(new URL((await front("TLSv1.3")).url).port);
        expect(await handshake(strict, ca, "TLSv1.3")).to.equal("TLSv1.3");
        const refused = await handshake(strict, ca, "TLSv1.2").then(
            () => undefined,
            (err: Error) => err,
        );
        expect(refused?.message).to.match(/protocol version|wrong version|unsupported protocol/i);
        const lenient = Number(new URL((await front("TLSv1.2")).url).port);
        expect(await handshake(lenient, ca, "TLSv1.2")).to.equal("TLSv1.2");
    });

    (hasOpenssl ? it : it.skip)("openssl s_client: TLS 1.1 is refused, TLS 1.2 verifies against the CA", async () => {
        const port = new URL((await front("TLSv1.2")).url).port;
        const caFile = openDevCa(dir).caFile;
        // Asynchronously: the server under test runs in this process.
        const connect = (...flags: string[]) =>
            new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
                const child = execFile("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost", "-CAfile", caFile, "-verify_return_error", ...flags], { timeout: 20_000 }, (err, stdout, stderr) =>
                    resolve({ status: err ? Number(err.code ?? 1) || 1 : 0, stdout, stderr }),
                );
                child.stdin?.end();
            });
        // SECLEVEL=0 lets the client offer TLS 1.1 at all: the refusal must come from the server (alert 70).
        const old = await connect("-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");
        expect(old.stdout + old.stderr).to.match(/alert protocol version/i);
        expect(old.stdout).to.match(/no peer certificate available/);
        const current = await connect("-tls1_2");
        expect(current.status, current.stdout + current.stderr).to.equal(0);
        expect(current.stdout).to.match(/Verify return code: 0 \(ok\)/);
    });
});
