// Compares two renders object by object: which were added, removed or changed, and for a
// changed one the field paths with old → new values. Both sides are read from render files
// (the earlier dir from disk, this render from memory), so they are parsed the same way.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { InputError } from "./evaluate";
import { azureFile, combinedFile, helmFile, otherFile, readRenderIndex, type RenderFiles } from "./manifests";
import { compareText } from "./model";

export interface FieldChange {
    /** e.g. spec.http[2].route[0].weight */
    path: string;
    before?: unknown;
    after?: unknown;
}

export interface ChangedObject {
    object: string;
    changes: FieldChange[];
}

export interface Comparison {
    against: string;
    added: string[];
    removed: string[];
    changed: ChangedObject[];
    unchanged: number;
}

/** Reads the render in `dir` (the files its index lists). */
export function loadRenderDir(dir: string): RenderFiles {
    const index = readRenderIndex(dir);
    if (!index) {
        throw new InputError([`--compare ${dir}: not a render dir (no ${path.join(dir, ".render-files")}); render into it first`]);
    }
    const files: RenderFiles = new Map();
    for (const relative of index) {
        try {
            files.set(relative, readFileSync(path.join(dir, relative), "utf8"));
        } catch {
            // a file removed by hand counts as a removed object
        }
    }
    return files;
}

/** One entry per object: Kubernetes objects, Helm releases, Azure and other resources. */
export function renderEntries(files: RenderFiles): Map<string, unknown> {
    const entries = new Map<string, unknown>();
    for (const [relative, content] of files) {
        if (relative.startsWith("kubernetes/") && relative.endsWith(".yaml")) {
            const doc = parse(content) as { kind?: string; metadata?: { name?: string; namespace?: string } } | null;
            if (doc?.kind) {
                const ns = doc.metadata?.namespace;
                entries.set(`${doc.kind} ${ns ? `${ns}/` : ""}${doc.metadata?.name ?? path.basename(relative, ".yaml")}`, doc);
            }
        } else if (relative === helmFile) {
            for (const release of ((parse(content) as { releases?: { name: string; namespace: string }[] } | null)?.releases ?? [])) {
                entries.set(`HelmRelease ${release.namespace}/${release.name}`, release);
            }
        } else if (relative === azureFile || relative === otherFile) {
            for (const resource of ((parse(content) as { resources?: { type: string; name: string }[] } | null)?.resources ?? [])) {
                entries.set(`${resource.type} ${resource.name}`, resource);
            }
        } else if (relative !== combinedFile) {
            // unknown file in an index: ignore
        }
    }
    return entries;
}

export function compareRenders(before: RenderFiles, after: RenderFiles, against: string): Comparison {
    const old = renderEntries(before);
    const current = renderEntries(after);
    const added = [...current.keys()].filter((key) => !old.has(key)).sort(compareText);
    const removed = [...old.keys()].filter((key) => !current.has(key)).sort(compareText);
    const changed: ChangedObject[] = [];
    let unchanged = 0;
    for (const key of [...current.keys()].filter((k) => old.has(k)).sort(compareText)) {
        const changes = diffValues(old.get(key), current.get(key), "");
        if (changes.length) {
            changed.push({ object: key, changes });
        } else {
            unchanged++;
        }
    }
    return { against, added, removed, changed, unchanged };
}

/** Field-level differences; arrays compared by position. */
export function diffValues(before: unknown, after: unknown, at: string): FieldChange[] {
    if (isRecord(before) && isRecord(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(compareText);
        return keys.flatMap((key) => {
            const child = joinPath(at, key);
            if (!(key in after)) {
                return [{ path: child, before: before[key] }];
            }
            if (!(key in before)) {
                return [{ path: child, after: after[key] }];
            }
            return diffValues(before[key], after[key], child);
        });
    }
    if (Array.isArray(before) && Array.isArray(after)) {
        const beforeNames = namesOf(before);
        const afterNames = namesOf(after);
        if (beforeNames && afterNames) {
            // Lists of named items (routes, containers, env, ports): match by name, so one
            // inserted route reads as one added route, not as every later route changed.
            const changes: FieldChange[] = [];
            const byName = new Map(before.map((item, i) => [beforeNames[i], item]));
            const afterByName = new Map(after.map((item, i) => [afterNames[i], item]));
            for (const [name, item] of byName) {
                const child = `${at}[name=${name}]`;
                changes.push(...(afterByName.has(name) ? diffValues(item, afterByName.get(name), child) : [{ path: child, before: item }]));
            }
            for (const [name, item] of afterByName) {
                if (!byName.has(name)) {
                    changes.push({ path: `${at}[name=${name}]`, after: item });
                }
            }
            const common = afterNames.filter((name) => byName.has(name));
            if (common.join("\n") !== beforeNames.filter((name) => afterByName.has(name)).join("\n")) {
                changes.push({ path: `${at} (order of names)`, before: beforeNames, after: afterNames });
            }
            return changes;
        }
        const changes: FieldChange[] = [];
        for (let i = 0; i < Math.max(before.length, after.length); i++) {
            const child = `${at}[${i}]`;
            if (i >= after.length) {
                changes.push({ path: child, before: before[i] });
            } else if (i >= before.length) {
                changes.push({ path: child, after: after[i] });
            } else {
                changes.push(...diffValues(before[i], after[i], child));
            }
        }
        return changes;
    }
    return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path: at || "(whole object)", before, after }];
}

/** The `name` of every item, when each item is an object with a distinct string name. */
function namesOf(items: unknown[]): string[] | undefined {
    const names = items.map((item) => (isRecord(item) && typeof item.name === "string" ? item.name : undefined));
    return names.every((name): name is string => name !== undefined) && new Set(names).size === names.length && names.length > 0 ? names : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function joinPath(at: string, key: string): string {
    return /^[A-Za-z_$][\w$-]*$/.test(key) ? (at ? `${at}.${key}` : key) : `${at}[${JSON.stringify(key)}]`;
}
