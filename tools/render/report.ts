// Report of a render: text for people (stdout), JSON for machines (--json).
import { type Comparison, type FieldChange } from "./compare";
import { objectLabel } from "./model";
import { exitCodeOf, type RenderResult } from "./pipeline";
import { isMandatory, type Violation } from "./policies";
import { type SchemaError } from "./schema";
import { formatVersions } from "./versions";

export function formatReport(result: RenderResult): string {
    const lines: string[] = [];
    const { model } = result;
    lines.push(
        `stack ${result.stack}${result.environment ? ` (${result.environment})` : ""}: ${model.resourceCount} resources, ` +
            `${model.kubernetes.length} Kubernetes objects, ${model.helmReleases.length} Helm releases, ${model.azure.length} Azure resources` +
            (result.outDir ? ` → ${result.outDir}` : ""),
    );
    lines.push("", ...formatSchema(result.schemaErrors, model.kubernetes.length));
    lines.push("", ...formatPolicies(result));
    lines.push("", ...formatVersions(result.versions));
    if (result.comparison) {
        lines.push("", ...formatComparison(result.comparison));
    }
    lines.push("", exitCodeOf(result) === 0 ? "result: ok" : "result: FAILED (schema errors or mandatory policy violations)");
    return `${lines.join("\n")}\n`;
}

function formatSchema(errors: SchemaError[], objects: number): string[] {
    if (errors.length === 0) {
        return [`schema: ok (${objects} objects valid against the Kubernetes and Istio schemas)`];
    }
    const lines = [`schema: ${errors.length} error${errors.length === 1 ? "" : "s"}`];
    for (const [object, group] of groupBy(errors, (e) => e.object)) {
        lines.push(`  ${object} (${group[0].file})`);
        for (const error of group) {
            lines.push(`    ${error.path || "/"}: ${error.message}`);
        }
    }
    return lines;
}

function formatPolicies(result: RenderResult): string[] {
    const { policies } = result;
    if (!policies.ran) {
        return [`policies: not run (${policies.note})`];
    }
    const using = policies.note ? ` [${policies.note}]` : "";
    const mandatory = policies.violations.filter(isMandatory).length;
    const others = policies.violations.length - mandatory;
    if (policies.violations.length === 0) {
        return [`policies: ok (no violations)${using}`];
    }
    const lines = [`policies: ${mandatory} mandatory, ${others} advisory violation${others === 1 ? "" : "s"}${using}`];
    for (const [level, byLevel] of groupBy(policies.violations, (v) => v.enforcementLevel)) {
        for (const [policy, group] of groupBy(byLevel, (v) => v.policy)) {
            const severity = group[0].severity ? `${group[0].severity} severity, ` : "";
            lines.push(`  [${level}] ${policy} (${severity}${group.length} finding${group.length === 1 ? "" : "s"})`);
            for (const violation of group) {
                const target = violationTarget(violation);
                const message = oneLine(violation.message);
                // Messages usually name their object already (`VirtualService ecommerce/x: ...`).
                lines.push(`    ${message.startsWith(target.split(" ")[0]) ? message : `${target}: ${message}`}`);
                if (violation.fix) {
                    lines.push(`      fix: ${oneLine(violation.fix)}`);
                }
            }
        }
    }
    return lines;
}

function violationTarget(violation: Violation): string {
    if (!violation.resource) {
        return "(stack)";
    }
    const kind = violation.resource.type.split(":").pop() ?? violation.resource.type;
    return `${kind} ${violation.resource.name}`;
}

export function formatComparison(comparison: Comparison): string[] {
    const { added, removed, changed } = comparison;
    const lines = [`compare with ${comparison.against}: ${changed.length} changed, ${added.length} added, ${removed.length} removed, ${comparison.unchanged} unchanged`];
    for (const object of added) {
        lines.push(`  + ${object}`);
    }
    for (const object of removed) {
        lines.push(`  - ${object}`);
    }
    for (const { object, changes } of changed) {
        lines.push(`  ~ ${object}`);
        for (const change of changes) {
            lines.push(`      ${formatChange(change)}`);
        }
    }
    return lines;
}

export function formatChange(change: FieldChange): string {
    const has = (key: "before" | "after") => key in change;
    return `${change.path}: ${has("before") ? compact(change.before) : "(none)"} → ${has("after") ? compact(change.after) : "(none)"}`;
}

function compact(value: unknown): string {
    const text = JSON.stringify(value) ?? "null";
    return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

function oneLine(text: string): string {
    return text.replace(/\s*\n\s*/g, " ").trim();
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
    const groups = new Map<string, T[]>();
    for (const item of items) {
        const k = key(item);
        groups.set(k, [...(groups.get(k) ?? []), item]);
    }
    return groups;
}

/** The --json report. */
export function jsonReport(result: RenderResult): Record<string, unknown> {
    const { model } = result;
    return {
        stack: result.stack,
        environment: result.environment ?? null,
        exitCode: exitCodeOf(result),
        outDir: result.outDir ?? null,
        counts: {
            resources: model.resourceCount,
            kubernetesObjects: model.kubernetes.length,
            helmReleases: model.helmReleases.length,
            azureResources: model.azure.length,
            otherResources: model.other.length,
        },
        written: result.written,
        objects: model.kubernetes.map((object) => ({ object: objectLabel(object), apiVersion: object.apiVersion, file: object.file })),
        schemaErrors: result.schemaErrors,
        policies: {
            ran: result.policies.ran,
            ...(result.policies.note ? { note: result.policies.note } : {}),
            mandatory: result.policies.violations.filter(isMandatory).length,
            violations: result.policies.violations,
        },
        versions: result.versions,
        comparison: result.comparison ?? null,
        seconds: Object.fromEntries(Object.entries(result.seconds).map(([k, v]) => [k, Math.round(v * 1000) / 1000])),
    };
}
