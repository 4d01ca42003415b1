// Just enough X.509 (RFC 5280) in DER to issue the development CA and its server certificate
// with node:crypto alone: P-256 keys, ecdsa-with-SHA256 signatures, the extensions a browser
// and Node's TLS check (basicConstraints, keyUsage, extKeyUsage, subjectAltName).
import { randomBytes, sign, type KeyObject } from "node:crypto";
import { isIP } from "node:net";

const tlv = (tag: number, ...content: Buffer[]): Buffer => {
    const body = Buffer.concat(content);
    const n = body.length;
    const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
    return Buffer.concat([Buffer.from([tag]), length, body]);
};
const seq = (...items: Buffer[]) => tlv(0x30, ...items);
const oid = (dotted: string): Buffer => {
    const [a, b, ...rest] = dotted.split(".").map(Number);
    const bytes = [40 * a + b];
    for (const part of rest) {
        const chunk = [part & 0x7f];
        for (let v = part >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
        bytes.push(...chunk);
    }
    return tlv(0x06, Buffer.from(bytes));
};
/** A random serial: first byte 0x01-0x7f, so the DER INTEGER is positive and minimally encoded (RFC 5280 4.1.2.2). */
const serial = () => {
    const bytes = randomBytes(16);
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    return tlv(0x02, bytes);
};
const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, "utf8"));
const bool = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0]));
const octets = (content: Buffer) => tlv(0x04, content);
const bits = (content: Buffer, unused = 0) => tlv(0x03, Buffer.from([unused]), content);
// UTCTime until 2049, GeneralizedTime after (RFC 5280 4.1.2.5).
const time = (date: Date) => {
    const iso = date.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z";
    return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
};
const name = (commonName: string) => seq(tlv(0x31, seq(oid("2.5.4.3"), utf8(commonName))));
const ecdsaWithSha256 = seq(oid("1.2.840.10045.4.3.2"));
const extension = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

export interface CertificateRequest {
    subject: string;
    issuer: string;
    /** The subject's public key. */
    publicKey: KeyObject;
    /** The issuer's private key (the subject's own for a self-signed CA). */
    signingKey: KeyObject;
    days: number;
    isCA: boolean;
    /** DNS names and IP addresses of a server certificate. */
    altNames?: string[];
}

/** A signed certificate, PEM-encoded. */
export function issueCertificate(request: CertificateRequest): string {
    const ipv6 = request.altNames?.find((alt) => isIP(alt) === 6);
    if (ipv6) throw new Error(`${ipv6}: IPv6 subject alternative names are not supported here`);
    const now = Date.now();
    const spki = request.publicKey.export({ type: "spki", format: "der" });
    // keyUsage bits: digitalSignature (0) for a server, keyCertSign (5) and cRLSign (6) for a CA.
    const keyUsage = request.isCA ? bits(Buffer.from([0x06]), 1) : bits(Buffer.from([0x80]), 7);
    const extensions = [
        extension("2.5.29.19", true, seq(...(request.isCA ? [bool(true), tlv(0x02, Buffer.from([0]))] : []))),
        extension("2.5.29.15", true, keyUsage),
        ...(request.isCA ? [] : [extension("2.5.29.37", false, seq(oid("1.3.6.1.5.5.7.3.1")))]),
        ...(request.altNames?.length
            ? [extension("2.5.29.17", false, seq(...request.altNames.map((alt) => (isIP(alt) === 4 ? tlv(0x87, Buffer.from(alt.split(".").map(Number))) : tlv(0x82, Buffer.from(alt, "ascii"))))))]
            : []),
    ];
    const tbs = seq(
        tlv(0xa0, tlv(0x02, Buffer.from([2]))), // v3
        serial(),
        ecdsaWithSha256,
        name(request.issuer),
        // A minute back: a clock slightly behind still accepts a certificate made just now.
        seq(time(new Date(now - 60_000)), time(new Date(now + request.days * 86_400_000))),
        name(request.subject),
        spki,
        tlv(0xa3, seq(...extensions)),
    );
    const signature = sign("sha256", tbs, request.signingKey); // DER ECDSA-Sig-Value, as X.509 wants
    const der = seq(tbs, ecdsaWithSha256, bits(signature));
    return `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END CERTIFICATE-----\n`;
}
