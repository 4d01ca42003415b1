// Turns a RenderModel into the files of a render dir and writes them: deterministic text
// (sorted keys, stable file names, no timestamps) so two renders diff cleanly.
import { mkdirSync, readdirSync, readFileSync, rmdirSync, unlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { compareText, type RenderModel } from "./model";

/** Lists the files the last render wrote, so the next one removes only those. */
export const indexFile = ".render-files";
export const combinedFile = "kubernetes.yaml";
export const helmFile = "helm-releases.yaml";
export const azureFile = "azure.yaml";
export const otherFile = "other-resources.yaml";

/** Relative path → content, in a stable order. */
export type RenderFiles = Map<string, string>;

export function renderFiles(model: RenderModel): RenderFiles {
    const files: RenderFiles = new Map();
    const header = (what: string) => `# ${what} of stack ${model.stack} (${model.project}), rendered by tools/render from the captured program.\n`;

    const documents = model.kubernetes.map((object) => toYaml(manifestOrder(object.manifest)));
    model.kubernetes.forEach((object, i) => files.set(object.file, documents[i]));
    files.set(
        combinedFile,
        header("Kubernetes objects in apply order: namespaces, core objects, then custom resources (apply after helm-releases.yaml installs Istio's and the Prometheus Operator's CRDs)") +
            documents.map((doc) => `---\n${doc}`).join(""),
    );
    files.set(
        helmFile,
        header("Helm releases") +
            toYaml({ releases: model.helmReleases.map(({ name, namespace, chart, version, repo, values, options }) => ({ name, namespace, chart, version, repo, values, options })) }),
    );
    files.set(azureFile, header("Azure resources with their inputs (secrets as placeholders)") + toYaml({ resources: model.azure }));
    files.set(otherFile, header("Providers, read-only lookups and other resources") + toYaml({ resources: model.other }));
    return new Map([...files.entries()].sort(([a], [b]) => compareText(a, b)));
}

/** YAML with every map's keys sorted and no anchors, wide lines left unfolded. */
export function toYaml(value: unknown): string {
    return stringify(sortKeys(value), { aliasDuplicateObjects: false, lineWidth: 0 });
}

function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(sortKeys);
    }
    if (typeof value === "object" && value !== null) {
        const entries = Object.entries(value).filter(([, v]) => v !== undefined);
        return Object.fromEntries(entries.sort(([a], [b]) => compareText(a, b)).map(([k, v]) => [k, sortKeys(v)]));
    }
    return value;
}

/** apiVersion, kind, metadata first (as people read manifests), the rest sorted. */
function manifestOrder(manifest: Record<string, unknown>): Record<string, unknown> {
    const { apiVersion, kind, metadata, ...rest } = manifest;
    const sorted = sortKeys(rest) as Record<string, unknown>;
    return { apiVersion, kind, metadata: sortKeys(metadata), ...sorted };
}

/** Removes what the previous render in `outDir` wrote (per its index), then writes `files`. */
export function writeRenderDir(outDir: string, files: RenderFiles): string[] {
    clearRenderDir(outDir);
    for (const [relative, content] of files) {
        const target = path.join(outDir, relative);
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, content);
    }
    const written = [...files.keys()];
    writeFileSync(path.join(outDir, indexFile), `${written.join("\n")}\n`);
    return written;
}

/** Paths the render in `dir` wrote, or undefined when `dir` holds no render. */
export function readRenderIndex(dir: string): string[] | undefined {
    try {
        return readFileSync(path.join(dir, indexFile), "utf8").split("\n").filter((line) => line && !line.startsWith("#"));
    } catch {
        return undefined;
    }
}

function clearRenderDir(outDir: string): void {
    const previous = readRenderIndex(outDir) ?? [];
    const dirs = new Set<string>();
    for (const relative of previous) {
        const target = path.resolve(outDir, relative);
        if (!target.startsWith(path.resolve(outDir) + path.sep)) {
            continue; // never outside the render dir, whatever the index says
        }
        try {
            unlinkSync(target);
        } catch {
            // already gone
        }
        for (let dir = path.dirname(target); dir.startsWith(path.resolve(outDir) + path.sep); dir = path.dirname(dir)) {
            dirs.add(dir);
        }
    }
    // Deepest first, and only the ones left empty.
    for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
        try {
            if (readdirSync(dir).length === 0) {
                rmdirSync(dir);
            }
        } catch {
            // not there or not empty
        }
    }
    try {
        unlinkSync(path.join(outDir, indexFile));
    } catch {
        // first render into this dir
    }
}
