import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { schemaKeys } from "../support/schemaKeys";

// docs/configuration.md, the config reference, is what users type into Pulumi.<stack>.yaml: every key it
// names must exist in the schema, and every leaf of the schema must be documented.
const section = readFileSync(path.join(__dirname, "..", "..", "docs", "configuration.md"), "utf8");

/** `a.b` / `.c` rows name `a.b` and `a.c`. */
function documentedKeys(): string[] {
    return [...section.matchAll(/^\| `([^`]+)`((?: \/ `[^`]+`)*)/gm)].flatMap(([, first, more]) => {
        const siblings = [...more.matchAll(/`([^`]+)`/g)].map(([, k]) => (k.startsWith(".") ? first.replace(/\.[^.]+$/, "") + k : k));
        return [first, ...siblings];
    });
}

describe("docs/configuration.md: the config reference", () => {
    const documented = documentedKeys();
    const known = schemaKeys();
    const isDocumented = (key: string) => documented.some((doc) => key === doc || key.startsWith(`${doc}.`));

    it("names only keys the schema accepts", () => {
        const exists = (doc: string) => known.some((key) => key === doc || key.startsWith(`${doc}.`));
        expect(documented.filter((doc) => !exists(doc))).to.deep.equal([]);
    });

    it("documents every key of the schema", () => {
        expect(known.filter((key) => !isDocumented(key))).to.deep.equal([]);
    });
});
