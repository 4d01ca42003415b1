// verify's TLS checks against npm run dev's HTTPS front (services/dev/tls.ts), with a plain
// backend behind it: each check passes on the right server and fails on a wrong one.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { expect } from "chai";
import { openDevCa, startTlsFront, type TlsFront } from "../../services/dev/tls";
import type { StackConfig } from "../../stacks";
import { parseVerifyArgs } from "../../tools/verify/args";
import { checkTls } from "../../tools/verify/tls";

const edge = (minTlsVersion: "TLSV1_2" | "TLSV1_3", hstsMaxAge = 63_072_000) => ({ edge: { minTlsVersion, hstsMaxAge } }) as StackConfig;
const byCheck = (results: { check: string; status: string }[]) => Object.fromEntries(results.map((r) => [r.check.replace(/ for .*| http:.*/, ""), r.status]));

describe("verify: TLS checks of an https target", function () {
    this.timeout(60_000);
    let dir: string;
    let backend: http.Server;
    let ca: string;
    const closers: (() => Promise<void> | void)[] = [];
    const front = async (minVersion: "TLSv1.2" | "TLSv1.3" = "TLSv1.2"): Promise<TlsFront> => {
        const started = await startTlsFront({ ca: openDevCa(dir), target: `http://127.0.0.1:${(backend.address() as AddressInfo).port}`, host: "127.0.0.1", port: 0, minVersion, hstsMaxAge: 63_072_000 });
        closers.push(() => started.close());
        return started;
    };

    before(async () => {
        dir = mkdtempSync(path.join(tmpdir(), "ecommerce-mesh-verify-tls-"));
        ca = readFileSync(openDevCa(dir).caFile, "utf8");
        backend = http.createServer((_req, res) => res.end("{}"));
        await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
    });

    after(async () => {
        for (const close of closers) await close();
        backend.close();
        rmSync(dir, { recursive: true, force: true });
    });

    it("passes all four against npm run dev's front with its CA", async () => {
        const { url } = await front();
        const results = await checkTls(url, edge("TLSV1_2"), ca);
        expect(results.map((r) => [r.check, r.status, r.observed])).to.deep.include.members([
            ["tls: certificate for localhost", "pass", "issued by ecommerce-mesh development CA, valid for localhost"],
            ["tls: Strict-Transport-Security", "pass", "max-age=63072000; includeSubDomains"],
        ]);
        expect(byCheck(results)).to.deep.equal({ "tls: certificate": "pass", "tls: TLSv1.1 refused": "pass", "tls: Strict-Transport-Security": "pass", "tls:": "pass" });
    });

    it("fails the certificate without the CA, the HSTS check on another max-age, the version check when the server accepts below the minimum", async () => {
        const { url } = await front("TLSv1.2");
        expect(byCheck(await checkTls(url, edge("TLSV1_2")))["tls: certificate"]).to.equal("fail");
        expect(byCheck(await checkTls(url, edge("TLSV1_2", 300), ca))["tls: Strict-Transport-Security"]).to.equal("fail");
        // The stack asks for 1.3, the server still speaks 1.2.
        const lenient = await checkTls(url, edge("TLSV1_3"), ca);
        expect(lenient.find((r) => r.check === "tls: TLSv1.2 refused")).to.include({ status: "fail", observed: "negotiated TLSv1.2" });
        const strict = await front("TLSv1.3");
        expect(byCheck(await checkTls(strict.url, edge("TLSV1_3"), ca))["tls: TLSv1.2 refused"]).to.equal("pass");
    });

    it("fails the redirect check on a TLS-only port that does not answer plain HTTP", async () => {
        const server = https.createServer(openDevCa(dir).serverCredentials(["localhost"]), (_req, res) => res.end());
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        closers.push(() => void server.close());
        const results = await checkTls(`https://localhost:${(server.address() as AddressInfo).port}`, edge("TLSV1_2"), ca);
        expect(results.find((r) => r.check.includes("redirects"))?.status).to.equal("fail");
    });

    it("--ca reads a CA certificate, refuses another file, and then fetch trusts it as verify's other checks need", async () => {
        expect(parseVerifyArgs(["--target", "https://localhost:8443", "--stack", "dev", "--ca", openDevCa(dir).caFile]).ca).to.equal(ca);
        expect(() => parseVerifyArgs(["--target", "https://localhost:8443", "--stack", "dev", "--ca", path.join(dir, "ca-key.pem")])).to.throw(/--ca .*ca-key\.pem: not a PEM CA certificate/);
        const { url } = await front();
        const before = getCACertificates("default");
        await fetch(url).then(
            () => expect.fail("fetch trusted the development CA before --ca"),
            () => undefined,
        );
        setDefaultCACertificates([...before, ca]);
        try {
            expect((await fetch(`${url}/api/products`)).status).to.equal(200);
        } finally {
            setDefaultCACertificates(before);
        }
    });
});
