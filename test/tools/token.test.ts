import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { tokenVerifier } from "../../services/dev/access";
import { devAudience, devIssuerName, openDevIssuer } from "../../services/dev/issuer";
import { parseTokenArgs, tokenOutput } from "../../tools/token/main";

describe("npm run token", () => {
    it("signs a token for the user that the dev router accepts, with a key kept private on disk", async () => {
        const dir = mkdtempSync(path.join(tmpdir(), "dev-issuer-"));
        const token = await tokenOutput(parseTokenArgs(["--user", "1"]), dir);
        const issuer = await openDevIssuer(dir);
        expect(await tokenVerifier(issuer)(`Bearer ${token}`)).to.deep.equal({ subject: "1" });
        expect(issuer).to.include({ issuer: devIssuerName, audience: devAudience });
        expect(statSync(path.join(dir, "signing-key.json")).mode & 0o777).to.equal(0o600);
        const jwks = JSON.parse(await tokenOutput({ kind: "jwks" }, dir));
        expect(jwks).to.deep.equal(issuer.jwks);
        expect(jwks.keys[0]).to.not.have.property("d");
        // Another machine's key does not verify this one's tokens.
        const other = await openDevIssuer(mkdtempSync(path.join(tmpdir(), "dev-issuer-")));
        expect(await tokenVerifier(other)(`Bearer ${token}`)).to.have.property("reason").that.matches(/not valid/);
    });

    it("names bad flags", () => {
        expect(() => parseTokenArgs([])).to.throw("--user is required");
        expect(() => parseTokenArgs(["--user", "a b"])).to.throw('--user must be an id of 1-64 letters, digits, _ or -, got "a b"');
        expect(() => parseTokenArgs(["--user", "1", "--ttl", "5"])).to.throw("--ttl must be a whole number of seconds from 60 to 86400");
        expect(() => parseTokenArgs(["--user", "1", "--jwks"])).to.throw("--jwks and --user do not go together");
        expect(() => parseTokenArgs(["--nope"])).to.throw(/Unknown option '--nope'/);
    });
});
