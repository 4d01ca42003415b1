// docs/reference/config.md, generated from the stack config's sources: each key and its type
// from the zod schema (stacks/schema.ts: enum values, integer ranges, the "is not ..." sentence
// a string's error gives), its default in each shipped stack from stacks/defaults.ts and
// stacks/databaseDefaults.ts (as loadStackConfig lays them) or the schema's own .default(), and
// its meaning from the hand-written table of docs/configuration.md, the one place that prose lives.
// `npm run docs` writes it; test/program/reference.test.ts fails when the file differs.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { serviceNames } from "../../stacks/catalog";
import { databaseDefaults } from "../../stacks/databaseDefaults";
import { defaultConfig } from "../../stacks/defaults";
import { fromPulumiConfig, overlay, projectName } from "../../stacks/load";
import { stackConfigSchema } from "../../stacks/schema";
import { readStackFile } from "../capture/stackFile";
import { cell } from "./policyReference";

const root = path.join(__dirname, "..", "..");
const stacks = ["local", "dev", "prod"] as const;
type Node = z.core.$ZodType;

export interface SchemaLeaf {
    /** `cluster.tier`; one service stands for all as `services.<name>`. */
    key: string;
    /** The leaf's own type, under its optional/default wrappers. */
    node: Node;
    /** The leaf or an object around it may be left out. */
    optional: boolean;
    /** A default the schema itself applies (`.default(...)`). */
    schemaDefault?: unknown;
}

/** Every leaf key of the schema, in the schema's order; objects are walked, not listed. */
export function schemaLeaves(schema: Node = stackConfigSchema, prefix = "", optional = false, schemaDefault?: unknown): SchemaLeaf[] {
    if (schema instanceof z.ZodOptional) return schemaLeaves(schema.unwrap() as Node, prefix, true, schemaDefault);
    if (schema instanceof z.ZodDefault) return schemaLeaves(schema.unwrap() as Node, prefix, optional, schema._zod.def.defaultValue);
    if (schema instanceof z.ZodPrefault) return schemaLeaves(schema.unwrap() as Node, prefix, optional, schemaDefault);
    if (!(schema instanceof z.ZodObject)) return [{ key: prefix, node: schema, optional, ...(schemaDefault === undefined ? {} : { schemaDefault }) }];
    return Object.entries(schema.shape).flatMap(([key, child]) => {
        if (prefix === "services") return key === "product" ? schemaLeaves(child as Node, "services.<name>", optional) : [];
        return schemaLeaves(child as Node, prefix ? `${prefix}.${key}` : key, optional);
    });
}

/** The readable type of a zod node: what the schema accepts, in the words its errors use. */
export function typeOf(node: Node): string {
    if (node instanceof z.ZodEnum) return node.options.map((o) => `\`${String(o)}\``).join(" | ");
    if (node instanceof z.ZodBoolean) return "boolean";
    if (node instanceof z.ZodNumber) {
        const kind = node.format === "safeint" ? "integer" : "number";
        // An integer's implicit bounds are ±MAX_SAFE_INTEGER: only a bound the schema sets is shown.
        const bound = (value: number | null) => (value !== null && Number.isFinite(value) && Math.abs(value) < Number.MAX_SAFE_INTEGER ? value : undefined);
        const [min, max] = [bound(node.minValue), bound(node.maxValue)];
        return min !== undefined && max !== undefined ? `${kind} ${min}–${max}` : min !== undefined ? `${kind} ≥ ${min}` : max !== undefined ? `${kind} ≤ ${max}` : kind;
    }
    // A string or a union says what it accepts in its own error ("is not a CPU quantity such as 250m").
    const said = (node._zod.def.error as ((issue: unknown) => unknown) | undefined)?.({});
    if ((node instanceof z.ZodString || node instanceof z.ZodUnion) && typeof said === "string") return said.replace(/^is not /, "");
    if (node instanceof z.ZodString) return "string";
    if (node instanceof z.ZodArray) return `list of ${typeOf(node.element as Node)}`;
    if (node instanceof z.ZodRecord) return `map of ${typeOf(node.keyType as Node)} → ${typeOf(node.valueType as Node)}`;
    if (node instanceof z.ZodPipe) return typeOf(node.in as Node);
    if (node instanceof z.ZodUnion) return (node.options as Node[]).map(typeOf).join(" or ");
    return node._zod.def.type;
}

const at = (value: unknown, key: string): unknown => key.split(".").reduce<unknown>((v, k) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined), value);
const show = (value: unknown) => (typeof value === "string" ? `\`${value}\`` : `\`${JSON.stringify(value)}\``);

/** What loadStackConfig lays under a shipped stack's file: defaults.ts, then the data tier's per-stack defaults. */
function stackDefaults(stack: string): unknown {
    const raw = fromPulumiConfig(readStackFile(root, stack, projectName).values);
    return overlay(defaultConfig(), databaseDefaults(raw));
}

/** One stack's default of a leaf; a service key lists the services that differ from the rest. */
function defaultIn(defaults: unknown, leaf: SchemaLeaf): string {
    const one = (value: unknown) => (value !== undefined ? show(value) : leaf.schemaDefault !== undefined ? show(leaf.schemaDefault) : leaf.optional ? "unset" : "required");
    if (!leaf.key.startsWith("services.<name>.")) return one(at(defaults, leaf.key));
    const byValue = new Map<string, string[]>();
    for (const name of serviceNames) {
        const value = one(at(defaults, leaf.key.replace("<name>", name)));
        byValue.set(value, [...(byValue.get(value) ?? []), name]);
    }
    if (byValue.size === 1) return [...byValue.keys()][0];
    const common = [...byValue.entries()].sort((a, b) => b[1].length - a[1].length)[0][0];
    const parts = [...byValue.entries()].filter(([value]) => value !== common).map(([value, names]) => `${names.join(", ")} ${value}`);
    return `${parts.join(", ")}, others ${common}`;
}

/** "`a`" and "local `a`, prod `b`" when the shipped stacks' defaults differ. */
function defaults(leaf: SchemaLeaf, perStack: readonly unknown[]): string {
    const values = perStack.map((d) => defaultIn(d, leaf));
    if (values.every((v) => v === values[0])) return values[0];
    return stacks.map((stack, i) => `${stack}: ${values[i]}`).join("; ");
}

/** docs/configuration.md's rows: `a.b` / `.c` name `a.b` and `a.c`, and share the row's meaning. */
export function configurationMeanings(text = readFileSync(path.join(root, "docs", "configuration.md"), "utf8")): Map<string, string> {
    const meanings = new Map<string, string>();
    for (const [, keys, meaning] of text.matchAll(/^\| (`[^|]+`(?: \/ `[^`]+`)*) \| (.*) \|$/gm)) {
        const [first, ...more] = [...keys.matchAll(/`([^`]+)`/g)].map(([, k]) => k);
        // A row in the old Key | Type | Default | Meaning form would pass its type and default off as prose.
        const cells = meaning.split(/(?<!\\)\|/).length + 1;
        if (cells !== 2) throw new Error(`docs/configuration.md: the row of ${first} has ${cells} cells; its table is Key | Meaning (type and default are generated into docs/reference/config.md)`);
        for (const key of [first, ...more.map((k) => (k.startsWith(".") ? first.replace(/\.[^.]+$/, "") + k : k))]) {
            if (meanings.has(key)) throw new Error(`docs/configuration.md: ${key} has two rows; keep one`);
            meanings.set(key, meaning);
        }
    }
    return meanings;
}

/** A meaning's links are relative to docs/; the reference lives one folder down. */
const relink = (meaning: string) => meaning.replace(/\]\((?!https?:)([^)]*)\)/g, (_, target: string) => `](../${target.startsWith("#") ? `configuration.md${target}` : target})`);

/** A key's row, or the row of the object around it (`services.<name>.faults.delay` covers its fields). */
function meaningOf(meanings: Map<string, string>, key: string): string | undefined {
    for (let at = key; at; at = at.includes(".") ? at.slice(0, at.lastIndexOf(".")) : "") {
        const meaning = meanings.get(at);
        if (meaning !== undefined) return meaning;
    }
    return undefined;
}

export function configReference(meanings = configurationMeanings()): string {
    const perStack = stacks.map(stackDefaults);
    const leaves = schemaLeaves();
    const rows = leaves.map((leaf) => {
        const meaning = meaningOf(meanings, leaf.key);
        if (meaning === undefined) throw new Error(`docs/configuration.md: no row for ${leaf.key}; add one: | \`${leaf.key}\` | <meaning> |`);
        return `| \`${leaf.key}\` | ${cell(typeOf(leaf.node))} | ${cell(defaults(leaf, perStack))} | ${relink(meaning)} |`;
    });
    const known = new Set(leaves.map((leaf) => leaf.key));
    const unknown = [...meanings.keys()].filter((key) => !known.has(key) && ![...known].some((leaf) => leaf.startsWith(`${key}.`)));
    if (unknown.length > 0) throw new Error(`docs/configuration.md: ${unknown.join(", ")} is not a key of the schema (stacks/schema.ts)`);
    return [
        "# Stack configuration reference",
        "",
        "<!-- Generated by `npm run docs` (tools/docs/configReference.ts) from stacks/schema.ts, stacks/defaults.ts, stacks/databaseDefaults.ts and the meanings in docs/configuration.md: edit those, not this file. -->",
        "",
        `The ${rows.length} keys of \`Pulumi.<stack>.yaml\` (under \`${projectName}:\`), in the schema's order. Type is what the`,
        "schema accepts; Default is what the program lays under each shipped stack's file when the key is unset",
        "(\"required\": the stack file must set it; \"unset\": the feature is off or derived, see the meaning).",
        "How values are validated and merged: [docs/configuration.md](../configuration.md).",
        "",
        "| Key | Type | Default | Meaning |",
        "|---|---|---|---|",
        ...rows,
        "",
    ].join("\n");
}
