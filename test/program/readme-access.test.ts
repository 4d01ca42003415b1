// docs/security.md's "Who may call what" section: its route table is the generated one, its token
// commands parse, and the keys it tells dev and prod to set exist.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { accessTable } from "../../tools/docs/accessTable";
import { parseTokenArgs } from "../../tools/token/main";
import { loadStackConfig } from "../../stacks";
import { capture, stackConfig } from "../support/stacks";
import { fromPulumiConfig } from "../../stacks/load";

const readme = readFileSync(path.join(__dirname, "..", "..", "docs", "security.md"), "utf8");
const section = readme.slice(readme.indexOf("## Who may call what"));

describe("docs/security.md: who may call what", () => {
    it("shows the route table generated from the API surface", () => {
        expect(section, "regenerate with: node --import tsx tools/docs/accessTable.ts").to.contain(accessTable());
    });

    it("prints token commands that npm run token accepts", () => {
        const commands = [...new Set([...section.matchAll(/npm run -s token -- ([^)\n#`]+)/g)].map(([, args]) => args.trim()))].map((args) => args.split(/\s+/));
        expect(commands).to.deep.equal([["--user", "1"], ["--jwks"]]);
        expect(commands.map((argv) => parseTokenArgs(argv).kind)).to.deep.equal(["token", "jwks"]);
    });

    it("names auth keys that the stack config accepts, as the pulumi config set lines set them", async () => {
        const sets = [...section.matchAll(/pulumi config set --path '?([\w.[\]0-9]+)'? '([^']+)' -s prod/g)].map(([, key, value]) => `${key.replace("[0]", "")}=${value}`);
        expect(sets.map((set) => set.split("=")[0])).to.deep.equal(["auth.issuer", "auth.jwksUri", "auth.audiences"]);
        const config = loadStackConfig(fromPulumiConfig(stackConfig("prod", "auth.issuer=https://t.ciamlogin.com/t/v2.0", "auth.jwksUri=https://s.ciamlogin.com/t/discovery/v2.0/keys", "auth.audiences=[client-id]").values));
        expect(config.auth).to.deep.equal({ issuer: "https://t.ciamlogin.com/t/v2.0", jwksUri: "https://s.ciamlogin.com/t/discovery/v2.0/keys", audiences: ["client-id"] });
        await capture("prod", "auth.issuer=https://t.ciamlogin.com/t/v2.0");
    });

    it("rejects an auth block with both or neither key source, naming the keys", () => {
        const both = () => loadStackConfig(fromPulumiConfig(stackConfig("local", 'auth.jwks={"keys":[]}').values));
        expect(both).to.throw(/ecommerce-mesh:auth.jwksUri: .*set exactly one of auth.jwksUri and auth.jwks/);
        const bad = () => loadStackConfig(fromPulumiConfig(stackConfig("local", "auth.jwksUri=null", "auth.jwks=not-json").values));
        expect(bad).to.throw(/ecommerce-mesh:auth.jwks: .*is not a JWKS document/);
    });
});
