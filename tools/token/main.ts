// `npm run token -- --user <id>`: a bearer token from the development issuer (services/dev/issuer.ts),
// the one `npm run dev` and the local stack trust. `--jwks` prints the issuer's public keys
// instead, for the local stack's `auth.jwks`. The key is made on first use in .dev-issuer/.
import { parseArgs } from "node:util";
import { defaultIssuerDir, openDevIssuer } from "../../services/dev/issuer";

export const usage = `usage: npm run -s token -- --user <id> [--ttl <seconds>]
       npm run -s token -- --jwks

  --user  the customer the token names (its sub claim), e.g. 1
  --ttl   lifetime in seconds, 60 to 86400 (default 3600)
  --jwks  print the development issuer's JWKS instead of a token`;

export type TokenRequest = { kind: "token"; user: string; ttlSeconds: number } | { kind: "jwks" };

export class TokenUsageError extends Error {}

export function parseTokenArgs(argv: readonly string[]): TokenRequest {
    let values;
    try {
        ({ values } = parseArgs({ args: [...argv], options: { user: { type: "string" }, ttl: { type: "string", default: "3600" }, jwks: { type: "boolean", default: false } }, strict: true, allowPositionals: false }));
    } catch (err) {
        throw new TokenUsageError((err as Error).message);
    }
    if (values.jwks) {
        if (values.user !== undefined) throw new TokenUsageError("--jwks and --user do not go together");
        return { kind: "jwks" };
    }
    if (values.user === undefined) throw new TokenUsageError("--user is required");
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(values.user)) throw new TokenUsageError(`--user must be an id of 1-64 letters, digits, _ or -, got "${values.user}"`);
    const ttlSeconds = Number(values.ttl);
    if (!/^\d+$/.test(values.ttl) || ttlSeconds < 60 || ttlSeconds > 86_400) throw new TokenUsageError(`--ttl must be a whole number of seconds from 60 to 86400, got "${values.ttl}"`);
    return { kind: "token", user: values.user, ttlSeconds };
}

/** What the command prints: a token, or the JWKS as JSON. */
export async function tokenOutput(request: TokenRequest, issuerDir: string = process.env.DEV_ISSUER_DIR ?? defaultIssuerDir()): Promise<string> {
    const issuer = await openDevIssuer(issuerDir);
    return request.kind === "jwks" ? JSON.stringify(issuer.jwks) : issuer.mint(request.user, request.ttlSeconds);
}

async function main(): Promise<number> {
    let request: TokenRequest;
    try {
        request = parseTokenArgs(process.argv.slice(2));
    } catch (err) {
        process.stderr.write(`token: ${(err as Error).message}\n${usage}\n`);
        return 2;
    }
    try {
        process.stdout.write(`${await tokenOutput(request)}\n`);
        return 0;
    } catch (err) {
        process.stderr.write(`token: ${(err as Error).message}\n`);
        return 1;
    }
}

if (require.main === module) main().then((code) => process.exit(code));
