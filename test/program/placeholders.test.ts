// The shipped example tenant in auth.issuer / auth.jwksUri: checkable offline (Pulumi's mocks, no
// engine), refused by the program as soon as a real engine runs it (pulumi preview / up).
import { expect } from "chai";
import { isExampleDomain, placeholderKeys, refusePlaceholders } from "../../stacks/placeholders";
import { fromPulumiConfig, loadStackConfig } from "../../stacks";
import { capture, captureUncached, stackConfig } from "../support/stacks";

const loadShipped = (stack: string) => loadStackConfig(fromPulumiConfig(stackConfig(stack).values));

// The program reads pulumi.runtime.hasEngine() (a copy of runtime/settings.hasEngine: true once the CLI passes an engine address).
const settings = require("@pulumi/pulumi").runtime as { hasEngine: () => boolean };

describe("auth placeholders", () => {
    it("finds the all-zero tenant in the shipped prod and dev files, naming the keys", () => {
        for (const stack of ["prod", "dev"]) {
            expect(placeholderKeys(loadShipped(stack)).map((p) => p.key).filter((key) => key.startsWith("auth.")), stack).to.deep.equal(["auth.issuer", "auth.jwksUri"]);
        }
        expect(placeholderKeys(loadShipped("local"))).to.deep.equal([]);
    });

    it("renders offline: no engine under the mocks, so npm run check keeps the example checkable", async () => {
        expect(settings.hasEngine()).to.equal(false);
        expect((await capture("prod")).resources.length).to.be.greaterThan(0);
    });

    it("refuses the placeholders when a real engine runs the program, before any resource", async () => {
        const original = settings.hasEngine;
        settings.hasEngine = () => true; // what `pulumi preview` / `pulumi up` attach
        try {
            let failure: unknown;
            const run = await captureUncached("prod").catch((error: unknown) => (failure = error));
            expect(failure, "the program must throw").to.be.instanceOf(Error);
            expect(String((failure as Error).message)).to.contain("auth.issuer: https://00000000-0000-0000-0000-000000000000.ciamlogin.com").and.contain("auth.jwksUri:");
            expect(run).to.equal(failure);
        } finally {
            settings.hasEngine = original;
        }
    });

    it("takes RFC 2606 names (example.com/.net/.org, .example) for examples, and nothing else", () => {
        expect(["example.com", "shop.example.com", "shop-dev.example.org", "a.example"].filter((name) => !isExampleDomain(name))).to.deep.equal([]);
        expect(["shop.contoso.com", "examples.com", "myexample.com", "localhost", "example.com.au"].filter(isExampleDomain)).to.deep.equal([]);
    });

    it("lets a real engine deploy real values", () => {
        const real = { auth: { issuer: "https://contoso.ciamlogin.com/1b2c3d4e-0000-4000-8000-000000000001/v2.0", jwksUri: "https://contoso.ciamlogin.com/1b2c3d4e-0000-4000-8000-000000000001/discovery/v2.0/keys", audiences: ["api://x"] } };
        expect(() => refusePlaceholders(real, true)).to.not.throw();
        expect(() => refusePlaceholders(loadShipped("prod"), false)).to.not.throw();
        expect(() => refusePlaceholders(loadShipped("prod"), true)).to.throw(/auth\.issuer: .*example value[\s\S]*auth\.jwksUri/);
    });

    it("is what docs/security.md promises", () => {
        const readme = require("node:fs").readFileSync(require("node:path").join(__dirname, "..", "..", "docs", "security.md"), "utf8").replace(/\s+/g, " ");
        expect(readme).to.contain("`pulumi preview` and `pulumi up` refuse them before touching the cluster, naming `auth.issuer` and `auth.jwksUri`");
    });
});
