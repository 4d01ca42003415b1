// Turns raw stack config (what `pulumi config` holds) into a validated StackConfig, or a
// StackConfigError whose lines each name the full key, the bad value and what is allowed.
import { z } from "zod";
import { databaseDefaults } from "./databaseDefaults";
import { defaultConfig } from "./defaults";
import { type StackConfig, stackConfigSchema } from "./schema";

export const projectName = "ecommerce-mesh";

/** Istio field names that users carry over from older docs, and what replaced them. */
const renamedKeys: Record<string, string> = {
    consecutiveErrors: "consecutive5xxErrors",
    percent: "percentage",
    maxRequestsPerConnections: "maxRequestsPerConnection",
};

export class StackConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`invalid stack config:\n  ${problems.join("\n  ")}`);
        this.name = "StackConfigError";
    }
}

type Plain = Record<string, unknown>;
const isPlain = (value: unknown): value is Plain => typeof value === "object" && value !== null && !Array.isArray(value);

/** Lays `override` over `base`: objects merge key by key, anything else replaces, null removes. */
export function overlay(base: unknown, override: unknown): unknown {
    if (override === undefined) {
        return base;
    }
    if (!isPlain(base) || !isPlain(override)) {
        return override;
    }
    const merged: Plain = { ...base };
    for (const [key, value] of Object.entries(override)) {
        if (value === null) {
            delete merged[key];
        } else {
            merged[key] = overlay(base[key], value);
        }
    }
    return merged;
}

/**
 * The project's keys from Pulumi's flat `namespace:key → string` config map, each parsed from
 * the JSON Pulumi stores for structured values. Keys of other namespaces (azure-native:location)
 * belong to providers.
 */
export function fromPulumiConfig(all: Record<string, string>): Plain {
    const prefix = `${projectName}:`;
    const raw: Plain = {};
    for (const [key, value] of Object.entries(all)) {
        if (key.startsWith(prefix)) {
            raw[key.slice(prefix.length)] = parseConfigValue(value);
        }
    }
    return raw;
}

function parseConfigValue(value: string): unknown {
    // Structured values arrive as JSON; top-level scalars (`environment: prod`) as plain text.
    if (/^\s*[[{]/.test(value)) {
        try {
            return JSON.parse(value);
        } catch {
            return value;
        }
    }
    return value;
}

/** Validates a stack's own config (top-level keys without the project prefix) over the defaults. */
export function loadStackConfig(raw: Plain): StackConfig {
    const result = stackConfigSchema.safeParse(overlay(overlay(defaultConfig(), databaseDefaults(raw)), raw), { reportInput: true });
    if (!result.success) {
        throw new StackConfigError(result.error.issues.flatMap(describeIssue));
    }
    return result.data;
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
    const key = `${projectName}:${issue.path.map(String).join(".")}`;
    if (issue.code === "unrecognized_keys") {
        const allowed = knownKeysAt(issue.path);
        return issue.keys.map((unknownKey) => {
            const full = issue.path.length ? `${key}.${unknownKey}` : `${projectName}:${unknownKey}`;
            const hint = suggestKey(unknownKey, allowed);
            return `${full}: is not a known key${hint ? `; did you mean ${hint}?` : "."} Allowed here: ${allowed.join(", ")}`;
        });
    }
    const input = (issue as { input?: unknown }).input;
    if (input === undefined) {
        const expected = issue.message.replace(/^is not /, "");
        return [issue.code === "invalid_type" ? `${key}: is required: set it to ${expected}` : `${key}: ${issue.message}`];
    }
    // YAML reads an unquoted version or tag (1.33, 20261121) as a number; say how to keep it text.
    const versionLike = ["version", "kubernetesVersion", "tag"].includes(String(issue.path.at(-1)));
    const quoteHint = versionLike && typeof input === "number" ? ` (quote it in YAML: "${input}")` : "";
    return [`${key}: ${JSON.stringify(input)} ${issue.message}${quoteHint}`];
}

function knownKeysAt(path: PropertyKey[]): string[] {
    let schema: z.core.$ZodType = stackConfigSchema;
    for (const segment of path) {
        schema = unwrap(schema);
        if (schema instanceof z.ZodArray) {
            schema = schema.element;
        } else if (schema instanceof z.ZodObject) {
            schema = schema.shape[String(segment)];
        }
    }
    schema = unwrap(schema);
    return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
    return schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault ? unwrap(schema.unwrap() as z.core.$ZodType) : schema;
}

function suggestKey(unknownKey: string, allowed: string[]): string | undefined {
    const renamed = renamedKeys[unknownKey];
    if (renamed && allowed.includes(renamed)) {
        return `${renamed} (${unknownKey} is the deprecated Istio name)`;
    }
    const scored = allowed
        .map((candidate) => ({ candidate, distance: editDistance(unknownKey.toLowerCase(), candidate.toLowerCase()) }))
        .sort((a, b) => a.distance - b.distance);
    const best = scored[0];
    return best && best.distance <= Math.max(2, Math.floor(unknownKey.length / 3)) ? best.candidate : undefined;
}

function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}
