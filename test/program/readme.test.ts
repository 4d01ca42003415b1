import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { z } from "zod";
import { stackConfigSchema } from "../../stacks/schema";

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

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
    return schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault ? unwrap(schema.unwrap() as z.core.$ZodType) : schema;
}

/** Leaf keys of the schema; one service stands for `services.<name>`, objects of leaves count whole. */
function schemaKeys(schema: z.core.$ZodType, prefix = ""): string[] {
    const inner = unwrap(schema);
    if (!(inner instanceof z.ZodObject)) {
        return [prefix];
    }
    return Object.entries(inner.shape).flatMap(([key, child]) => {
        if (prefix === "services") {
            return key === "product" ? schemaKeys(child as z.core.$ZodType, "services.<name>") : [];
        }
        return schemaKeys(child as z.core.$ZodType, prefix ? `${prefix}.${key}` : key);
    });
}

describe("docs/configuration.md: the config reference", () => {
    const documented = documentedKeys();
    const known = schemaKeys(stackConfigSchema);
    const isDocumented = (key: string) => documented.some((doc) => key === doc || key.startsWith(`${doc}.`));

    it("names only keys the schema accepts", () => {
        const exists = (doc: string) => known.some((key) => key === doc || key.startsWith(`${doc}.`));
        expect(documented.filter((doc) => !exists(doc))).to.deep.equal([]);
    });

    it("documents every key of the schema", () => {
        expect(known.filter((key) => !isDocumented(key))).to.deep.equal([]);
    });
});
