// The references in docs/reference/ are generated from their single source (tools/docs/): the
// committed files must be exactly what `npm run docs` writes now.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { allPolicies } from "../../policies/policies";
import { cell, policyReference } from "../../tools/docs/policyReference";
import { references, regenerate } from "../../tools/docs/references";

const root = path.resolve(__dirname, "..", "..");

describe("docs/reference: generated references", () => {
    for (const [file, generated] of Object.entries(references())) {
        it(`${file} is what \`${regenerate}\` writes`, () => {
            expect(readFileSync(path.join(root, file), "utf8") === generated, `${file} is stale: run \`${regenerate}\``).to.equal(true);
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
});
