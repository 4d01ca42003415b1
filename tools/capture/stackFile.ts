// Reads Pulumi.<stack>.yaml into the flat `namespace:key → string` map Pulumi hands a program,
// the way the CLI would: structured values as JSON, secure values replaced by a placeholder.
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export interface StackFileConfig {
    /** `namespace:key` → the string Pulumi passes to the program. */
    values: Record<string, string>;
    /** Keys holding a `secure:` value (shown as a placeholder). */
    secretKeys: string[];
}

export class StackFileError extends Error {}

export function secretPlaceholder(key: string): string {
    return `[secret ${key}]`;
}

export function stackFilePath(projectDir: string, stack: string): string {
    return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

/** The stacks a project has: every Pulumi.<stack>.yaml in its directory, sorted. */
export function stackNames(projectDir: string): string[] {
    return readdirSync(projectDir)
        .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((stack): stack is string => stack !== undefined)
        .sort();
}

export function readStackFile(projectDir: string, stack: string, project: string): StackFileConfig {
    const file = stackFilePath(projectDir, stack);
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch {
        const known = stackNames(projectDir);
        const choices = known.length > 0 ? `; the stacks are ${known.join(", ")}` : "";
        throw new StackFileError(`no stack file ${path.basename(file)} in ${projectDir}${choices}`);
    }
    let doc: unknown;
    try {
        doc = parse(text);
    } catch (error) {
        throw new StackFileError(`${path.basename(file)} is not valid YAML: ${(error as Error).message}`);
    }
    const config = (doc as { config?: Record<string, unknown> } | null)?.config ?? {};
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [rawKey, rawValue] of Object.entries(config)) {
        const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
        const { value, secret } = revealSecure(rawValue, key);
        values[key] = typeof value === "string" ? value : JSON.stringify(value);
        if (secret) {
            secretKeys.push(key);
        }
    }
    return { values, secretKeys };
}

/** Replaces every `{ secure: ... }` in a value with a placeholder naming its key path. */
function revealSecure(value: unknown, keyPath: string): { value: unknown; secret: boolean } {
    if (isSecure(value)) {
        return { value: secretPlaceholder(keyPath), secret: true };
    }
    if (Array.isArray(value)) {
        const items = value.map((item, i) => revealSecure(item, `${keyPath}[${i}]`));
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (typeof value === "object" && value !== null) {
        const entries = Object.entries(value).map(([k, v]) => [k, revealSecure(v, `${keyPath}.${k}`)] as const);
        return { value: Object.fromEntries(entries.map(([k, r]) => [k, r.value])), secret: entries.some(([, r]) => r.secret) };
    }
    return { value, secret: false };
}

function isSecure(value: unknown): boolean {
    return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value;
}

/**
 * Applies `key.path=value` the way `pulumi config set --path` would: `true`/`false` become
 * booleans, integers numbers, anything else a string. Beyond the CLI, a value written as a
 * YAML flow collection (`[v1, v2]`, `{percentage: 10, ...}`) or `null` (remove the default)
 * is read as YAML, so one flag can replace a whole block.
 */
export function setConfigPath(config: StackFileConfig, project: string, assignment: string): void {
    const at = assignment.indexOf("=");
    if (at <= 0) {
        throw new StackFileError(`--set ${assignment}: expected key.path=value`);
    }
    const keyPath = assignment.slice(0, at);
    const value = pathValue(assignment.slice(at + 1));
    const [head, ...rest] = keyPath.split(".");
    const key = head.includes(":") ? head : `${project}:${head}`;
    if (rest.length === 0) {
        config.values[key] = typeof value === "string" ? value : JSON.stringify(value);
        return;
    }
    const current = config.values[key];
    const root: Record<string, unknown> = current && /^\s*\{/.test(current) ? JSON.parse(current) : {};
    let node = root;
    for (const segment of rest.slice(0, -1)) {
        const next = node[segment];
        node = (node[segment] = typeof next === "object" && next !== null && !Array.isArray(next) ? next : {}) as Record<string, unknown>;
    }
    node[rest[rest.length - 1]] = value;
    config.values[key] = JSON.stringify(root);
}

function pathValue(text: string): unknown {
    if (text === "true" || text === "false") {
        return text === "true";
    }
    if (/^-?\d+$/.test(text)) {
        return Number(text);
    }
    if (text === "null" || /^\s*[[{]/.test(text)) {
        try {
            return parse(text) as unknown;
        } catch (error) {
            throw new StackFileError(`--set value ${text} is not valid YAML: ${(error as Error).message}`);
        }
    }
    return text;
}
