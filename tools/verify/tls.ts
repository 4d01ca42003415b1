// The TLS checks of an https target, with Node's own TLS client rather than fetch: the
// certificate is valid for the host and chains to the expected CA (--ca, else the system's),
// plain HTTP redirects to https, HSTS carries the stack's max-age, and a handshake below
// edge.minTlsVersion is refused by the server.
import http from "node:http";
import https from "node:https";
import tls from "node:tls";
import type { StackConfig } from "../../stacks";
import type { CheckResult } from "./checks";

const result = (check: string, pass: boolean, observed: string, expected: string): CheckResult => ({ check, status: pass ? "pass" : "fail", observed, expected });

/** The newest version below the stack's minimum: the one a server must refuse. */
const belowMinimum: Record<StackConfig["edge"]["minTlsVersion"], tls.SecureVersion> = { TLSV1_2: "TLSv1.1", TLSV1_3: "TLSv1.2" };

interface Handshake {
    authorized: boolean;
    error?: string;
    protocol?: string;
    issuer?: string;
    subjectAltName?: string;
}

function handshake(url: URL, options: tls.ConnectionOptions): Promise<Handshake> {
    return new Promise((resolve) => {
        const socket = tls.connect({ host: url.hostname, port: Number(url.port || 443), servername: url.hostname, ...options, timeout: 10_000 }, () => {
            const peer = socket.getPeerCertificate();
            resolve({ authorized: socket.authorized, error: socket.authorizationError?.toString(), protocol: socket.getProtocol() ?? undefined, issuer: [peer.issuer?.CN].flat().join(", ") || undefined, subjectAltName: peer.subjectaltname });
            socket.end();
        });
        socket.on("timeout", () => socket.destroy(new Error("no answer in 10s")));
        socket.on("error", (err) => resolve({ authorized: false, error: err.message }));
    });
}

function get(url: string, options: https.RequestOptions): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
        const request = (url.startsWith("https:") ? https : http).get(url, { ...options, timeout: 10_000 }, (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0, headers: res.headers });
        });
        request.on("timeout", () => request.destroy(new Error("no answer in 10s")));
        request.on("error", reject);
    });
}

/** The four TLS checks; `ca` is the PEM of a private CA (npm run dev's, the local stack's), else the system's roots. */
export async function checkTls(target: string, config: StackConfig, ca?: string): Promise<CheckResult[]> {
    const url = new URL(target);
    const trust = ca ? { ca } : {};
    const expectedIssuer = ca ? "the CA of --ca" : "a CA the system trusts";
    const results: CheckResult[] = [];

    const valid = await handshake(url, { ...trust, rejectUnauthorized: false });
    const identity = valid.error ? undefined : tls.checkServerIdentity(url.hostname, { subjectaltname: valid.subjectAltName } as tls.PeerCertificate);
    results.push(
        result(
            `tls: certificate for ${url.hostname}`,
            valid.authorized && !identity,
            valid.authorized ? `issued by ${valid.issuer ?? "?"}${identity ? `; ${identity.message}` : `, valid for ${url.hostname}`}` : `not trusted: ${valid.error ?? "no handshake"}`,
            `valid for ${url.hostname}, chaining to ${expectedIssuer}`,
        ),
    );

    const old = belowMinimum[config.edge.minTlsVersion];
    // SECLEVEL=0 lets this client offer an old version at all: the refusal must be the server's.
    const refused = await handshake(url, { ...trust, rejectUnauthorized: false, minVersion: "TLSv1", maxVersion: old, ciphers: "DEFAULT@SECLEVEL=0" });
    results.push(result(`tls: ${old} refused`, !refused.protocol, refused.protocol ? `negotiated ${refused.protocol}` : `refused (${refused.error})`, `no handshake below ${config.edge.minTlsVersion} (edge.minTlsVersion)`));

    const secure = await get(`${url.origin}/api/products`, trust).catch((err: Error) => ({ status: 0, headers: {} as http.IncomingHttpHeaders, error: err.message }));
    const hsts = secure.headers["strict-transport-security"];
    const wanted = `max-age=${config.edge.hstsMaxAge}`;
    results.push(result("tls: Strict-Transport-Security", typeof hsts === "string" && hsts.split(";").map((p) => p.trim()).includes(wanted), hsts ? String(hsts) : `missing (status ${secure.status})`, `${wanted} (edge.hstsMaxAge)`));

    // The Gateway redirects on port 80; npm run dev on the https port itself.
    const plain = `http://${url.host}/api/products`;
    const redirect = await get(plain, {}).catch((err: Error) => ({ status: 0, headers: { location: err.message } as http.IncomingHttpHeaders }));
    const location = redirect.headers.location ?? "";
    results.push(result(`tls: ${plain} redirects`, redirect.status === 301 && location.startsWith(`https://${url.hostname}`), `${redirect.status} ${location}`.trim(), `301 to https://${url.hostname}…`));
    return results;
}
