// The development identity provider: signs end-user tokens for `npm run dev`, the local
// stack, the tests and the tools, the way Entra External ID does in dev and prod. Its key pair
// is generated on this machine on first use and kept in a file that is never committed; the
// public half is published as a JWKS (the router serves it at `jwksPath`).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JSONWebKeySet, type JWK } from "jose";
import { DevError } from "./errors";

/** The issuer and audience of development tokens; Pulumi.local.yaml's `auth` names the same (a test checks). */
export const devIssuerName = "https://dev-issuer.ecommerce-mesh.local";
export const devAudience = "ecommerce-mesh";
export const jwksPath = "/.well-known/jwks.json";
const algorithm = "ES256";

export interface DevIssuer {
    readonly issuer: string;
    readonly audience: string;
    /** The public keys, as RequestAuthentication's inline `jwks` or a JWKS endpoint serves them. */
    readonly jwks: JSONWebKeySet;
    /** A signed token for `subject`, valid for `ttlSeconds` (default one hour). */
    mint(subject: string, ttlSeconds?: number): Promise<string>;
}

interface StoredKey {
    readonly privateJwk: JWK;
    readonly publicJwk: JWK;
}

/** Default home of the key: `.dev-issuer/` in the repository root (ignored by git). */
export function defaultIssuerDir(): string {
    let dir = __dirname;
    while (!existsSync(path.join(dir, ".git")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    return path.join(existsSync(path.join(dir, ".git")) ? dir : process.cwd(), ".dev-issuer");
}

async function newKey(): Promise<StoredKey> {
    const { privateKey, publicKey } = await generateKeyPair(algorithm, { extractable: true });
    const kid = `dev-${Date.now().toString(36)}`;
    return {
        privateJwk: { ...(await exportJWK(privateKey)), kid, alg: algorithm },
        publicJwk: { ...(await exportJWK(publicKey)), kid, alg: algorithm, use: "sig" },
    };
}

function readKey(file: string): StoredKey {
    try {
        const stored = JSON.parse(readFileSync(file, "utf8")) as StoredKey;
        if (!stored.privateJwk?.d || !stored.publicJwk?.x) throw new Error("not a key pair");
        return stored;
    } catch (err) {
        throw new DevError(`${file} is not a development issuer key (${(err as Error).message}): delete it and a new one is made`);
    }
}

async function issuerFrom(key: StoredKey): Promise<DevIssuer> {
    const signingKey = await importJWK(key.privateJwk, algorithm);
    return {
        issuer: devIssuerName,
        audience: devAudience,
        jwks: { keys: [key.publicJwk] },
        mint: (subject, ttlSeconds = 3600) =>
            new SignJWT({})
                .setProtectedHeader({ alg: algorithm, kid: key.publicJwk.kid, typ: "JWT" })
                .setIssuer(devIssuerName)
                .setAudience(devAudience)
                .setSubject(subject)
                .setIssuedAt()
                .setExpirationTime(`${ttlSeconds}s`)
                .sign(signingKey),
    };
}

/** The issuer whose key lives in `dir` (created, readable by this user only, on first use). */
export async function openDevIssuer(dir: string = defaultIssuerDir()): Promise<DevIssuer> {
    const file = path.join(dir, "signing-key.json");
    if (existsSync(file)) return issuerFrom(readKey(file));
    const key = await newKey();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(key, null, 2), { mode: 0o600, flag: "wx" });
    chmodSync(file, 0o600);
    return issuerFrom(key);
}

/** An issuer whose key lives only in this process: for tests and the bench. */
export async function ephemeralDevIssuer(): Promise<DevIssuer> {
    return issuerFrom(await newKey());
}

/** `Authorization` header value for `subject`: what the tools and `verify` send. */
export async function bearerFor(issuer: DevIssuer, subject: string): Promise<string> {
    return `Bearer ${await issuer.mint(subject)}`;
}
