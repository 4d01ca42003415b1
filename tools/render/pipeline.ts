// One render: evaluate the stack → model → files (written) → schema check → policy pack →
// optional comparison. Shared by the render CLI, `npm run check` and the tests.
import * as path from "node:path";
import { type Comparison, compareRenders, loadRenderDir } from "./compare";
import { evaluateStack } from "./evaluate";
import { renderFiles, type RenderFiles, writeRenderDir } from "./manifests";
import { buildModel, type RenderModel } from "./model";
import { isMandatory, type PolicyRun, runPolicyPack } from "./policies";
import { type SchemaError, validateObjects } from "./schema";
import { type VersionReport, versionReport } from "./versions";

export interface RenderRequest {
    projectDir: string;
    stack: string;
    sets?: string[];
    /** Render dir; undefined: do not write. */
    outDir?: string;
    compareDir?: string;
    /** Settings laid over policies/config/<environment>.json, per policy (`npm run check --look-ahead-days`). */
    policySettings?: Record<string, Record<string, unknown>>;
    /** The day the versions report judges by (`npm run check --today`); default: today. */
    today?: string;
    /** Progress lines (stderr in the CLI). */
    log?: (line: string) => void;
}

export interface RenderResult {
    stack: string;
    environment?: string;
    outDir?: string;
    model: RenderModel;
    files: RenderFiles;
    /** Paths written under outDir. */
    written: string[];
    schemaErrors: SchemaError[];
    policies: PolicyRun;
    /** The versions in use and how long each stays supported. */
    versions: VersionReport;
    comparison?: Comparison;
    seconds: { evaluate: number; schema: number; policies: number; total: number };
}

export async function renderStack(request: RenderRequest): Promise<RenderResult> {
    const log = request.log ?? (() => {});
    const started = performance.now();
    const since = (t: number) => (performance.now() - t) / 1000;

    // Read the earlier render first: --compare may name the very dir this render replaces.
    const before = request.compareDir ? loadRenderDir(request.compareDir) : undefined;

    log(`evaluating Pulumi.${request.stack}.yaml${request.sets?.length ? ` with ${request.sets.map((s) => `--set ${s}`).join(" ")}` : ""}…`);
    const capture = await evaluateStack(request.projectDir, request.stack, request.sets ?? []);
    const evaluate = since(started);
    const model = buildModel(capture);
    log(`${model.resourceCount} resources in ${evaluate.toFixed(1)}s (${model.kubernetes.length} Kubernetes objects, ${model.helmReleases.length} Helm releases, ${model.azure.length} Azure resources)`);
    const environment = typeof capture.outputs.environment === "string" ? capture.outputs.environment : undefined;

    const files = renderFiles(model);
    const written = request.outDir ? writeRenderDir(request.outDir, files) : [];
    if (request.outDir) {
        const shown = path.relative(process.cwd(), request.outDir);
        log(`wrote ${written.length} files to ${shown.startsWith("..") || path.isAbsolute(shown) ? request.outDir : shown || "."}`);
    }

    const schemaStarted = performance.now();
    const schemaErrors = await validateObjects(model.kubernetes, request.projectDir);
    const schema = since(schemaStarted);
    log(`schema: ${model.kubernetes.length} objects checked in ${schema.toFixed(1)}s, ${schemaErrors.length} error${schemaErrors.length === 1 ? "" : "s"}`);

    const policiesStarted = performance.now();
    const policies = await runPolicyPack(request.projectDir, capture.resources, environment, request.policySettings);
    const policySeconds = since(policiesStarted);
    log(policies.ran ? `policies: ${policies.violations.length} violation${policies.violations.length === 1 ? "" : "s"} in ${policySeconds.toFixed(1)}s` : `policies: ${policies.note}`);

    const comparison = before ? compareRenders(before, files, request.compareDir!) : undefined;
    return {
        stack: request.stack,
        environment,
        outDir: request.outDir,
        model,
        files,
        written,
        schemaErrors,
        policies,
        versions: versionReport(capture.resources, request.today),
        comparison,
        seconds: { evaluate, schema, policies: policySeconds, total: since(started) },
    };
}

/** 1 on a schema error or a mandatory violation, else 0. */
export function exitCodeOf(result: Pick<RenderResult, "schemaErrors" | "policies">): 0 | 1 {
    return result.schemaErrors.length > 0 || result.policies.violations.some(isMandatory) ? 1 : 0;
}
