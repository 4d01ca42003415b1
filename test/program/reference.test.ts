// The references in docs/reference/ are generated from their single source (tools/docs/): the
// committed files must be exactly what `npm run docs` writes now.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { allPolicies } from "../../policies/policies";
import { z } from "zod";
import { configReference, configurationMeanings, schemaLeaves, typeOf } from "../../tools/docs/configReference";
import { cell, policyReference } from "../../tools/docs/policyReference";
import { references, regenerate } from "../../tools/docs/references";

const root = path.resolve(__dirname, "..", "..");

describe("docs/reference: generated references", () => {
    for (const [file, generate] of Object.entries(references)) {
        it(`${file} is what \`${regenerate}\` writes`, () => {
            expect(readFileSync(path.join(root, file), "utf8") === generate(), `${file} is stale: run \`${regenerate}\``).to.equal(true);
        });
    }

    it("lists every policy of the pack once, with its three levels and its equivalent", () => {
        const rows = policyReference().split("\n").filter((line) => line.startsWith("| `"));
        expect(rows.map((row) => row.split(" | ")[0].slice(3, -1))).to.deep.equal(allPolicies.map((p) => p.name));
        for (const row of rows) expect(row.split(/(?<!\\)\|/).length, row).to.equal(9);
    });

    it("refuses a policy whose description names no equivalent", () => {
        const policy = allPolicies[0] as { description: string };
        const saved = policy.description;
        policy.description = "Checks something.";
        try {
            expect(() => policyReference()).to.throw(/policy istio-vs-destination-host-exists: its description must end with exactly one " Equivalent: \.\.\." sentence \(found 0\)/);
        } finally {
            policy.description = saved;
        }
    });

    it("escapes what would break a table cell", () => {
        expect(cell("a | b <svc>.`<ns>`\n c")).to.equal("a \\| b &lt;svc>.`<ns>` c");
    });

    describe("the configuration reference", () => {
        const row = (key: string) => configReference().split("\n").find((line) => line.startsWith(`| \`${key}\` |`));

        it("types each key from its zod node: enum values, integer ranges, the string's error sentence, lists", () => {
            expect(typeOf(z.enum(["a", "b"]))).to.equal("`a` | `b`");
            expect(typeOf(z.int().min(1).max(50))).to.equal("integer 1–50");
            expect(typeOf(z.int().min(1))).to.equal("integer ≥ 1");
            expect(typeOf(z.string({ error: "is not a CPU quantity such as 250m" }))).to.equal("a CPU quantity such as 250m");
            expect(typeOf(z.array(z.boolean()))).to.equal("list of boolean");
            expect(typeOf(z.union([z.string(), z.number()], { error: "is not a JWKS document" }))).to.equal("a JWKS document");
            expect(row("cluster.tier")).to.contain("| `Free` \\| `Standard` \\| `Premium` | `Free` |");
        });

        it("gives the default of each shipped stack where they differ, and of each service where they differ", () => {
            expect(row("database.cluster.instances")).to.contain("| integer 1–9 | local: `1`; dev: `1`; prod: `3` |");
            expect(row("services.<name>.timeout")).to.contain("| product `5s`, cart `16s`, order `30s`, payment `15s`, others `8s` |");
            expect(row("services.<name>.canary.weight")).to.contain("| product `10`, others unset |");
            expect(row("images.tag")).to.contain("| required |");
        });

        it("takes each meaning from docs/configuration.md, a row of an object covering its fields", () => {
            expect(row("services.<name>.faults.delay.fixedDelay")).to.match(/\| injected delay \|$/);
            expect(schemaLeaves().map((leaf) => leaf.key)).to.include("services.<name>.faults.delay.fixedDelay");
        });

        it("refuses a key without a meaning, a meaning without a key, and a key with two rows", () => {
            const meanings = configurationMeanings();
            const without = new Map(meanings);
            without.delete("chaos.enabled");
            expect(() => configReference(without)).to.throw("docs/configuration.md: no row for chaos.enabled; add one: | `chaos.enabled` | <meaning> |");
            expect(() => configReference(new Map([...meanings, ["chaos.mode", "x"]]))).to.throw("docs/configuration.md: chaos.mode is not a key of the schema (stacks/schema.ts)");
            expect(() => configurationMeanings("| `mtls` | a |\n| `mtls` | b |\n")).to.throw("docs/configuration.md: mtls has two rows; keep one");
            expect(() => configurationMeanings("| `mtls` | `STRICT` \\| `PERMISSIVE` | `STRICT` | mesh-wide mode |\n")).to.throw(
                "docs/configuration.md: the row of mtls has 4 cells; its table is Key | Meaning (type and default are generated into docs/reference/config.md)",
            );
        });
    });
});
