// Runs the policy pack offline, the way the Pulumi engine would: the same policy objects, the
// same config reconciliation as `--policy-pack-config` (schema defaults, then "all", then
// per-policy settings), resource policies once per resource and stack policies once over all
// of them. Used by the tests and the offline render (tools/render).

import { readFileSync } from "node:fs";
import * as path from "node:path";
import { splitFinding } from "./lib/report";
import { type ConfigProperty, type EnforcementLevel, isStackPolicy, type PackPolicy, type ResourceArgs, type Severity, type StackArgs, type StackResource } from "./lib/types";
import { allPolicies, packName } from "./policies";

export type { EnforcementLevel, PackPolicy, Severity } from "./lib/types";
export { allPolicies, packName } from "./policies";

/** A resource to check: what tools/capture records (inputs), or engine-style props. */
export interface RunnerResource {
    urn: string;
    type: string;
    name: string;
    inputs?: Record<string, unknown>;
    props?: Record<string, unknown>;
    /** Set for resources read from the cluster rather than created (`Resource.get`). */
    readId?: string;
}

export type PolicyConfigEntry = EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>);
/** The JSON of a `--policy-pack-config` file: policy name (or "all") → level or settings. */
export type PolicyConfig = Record<string, PolicyConfigEntry>;

export interface Violation {
    policy: string;
    enforcementLevel: "advisory" | "mandatory";
    severity?: Severity;
    /** The resource in violation; absent when a stack policy reports the stack as a whole. */
    resource?: { urn: string; type: string; name: string };
    /** What is wrong, naming the object (kind namespace/name). */
    message: string;
    /** One line: what to change. */
    fix: string;
    /** The policy's description (what it checks and its istioctl/Kyverno/Gatekeeper equivalent). */
    description: string;
}

export interface RunOptions {
    /** Policy config as in policies/config/<env>.json; wins over `environment`. */
    config?: PolicyConfig;
    /** Loads policies/config/<environment>.json when `config` is not given. */
    environment?: string;
    /** Only these policies (by name). */
    only?: string[];
}

export interface ResolvedPolicy {
    policy: PackPolicy;
    enforcementLevel: EnforcementLevel;
    properties: Record<string, unknown>;
}

export class PolicyConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`invalid policy config:\n  ${problems.join("\n  ")}`);
        this.name = "PolicyConfigError";
    }
}

const levels: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];
export const configDir = path.join(__dirname, "config");

/** Reads policies/config/<environment>.json (the file `pulumi preview --policy-pack-config` takes). */
export function loadPolicyConfig(environment: string, dir: string = configDir): PolicyConfig {
    const file = path.join(dir, `${environment}.json`);
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch {
        throw new PolicyConfigError([`no policy config for environment "${environment}" (${file})`]);
    }
    try {
        return JSON.parse(text) as PolicyConfig;
    } catch (error) {
        throw new PolicyConfigError([`${file} is not valid JSON: ${(error as Error).message}`]);
    }
}

/**
 * The effective level and settings of every policy, as the Pulumi CLI reconciles them: the
 * policy's own level and its schema defaults, then "all", then each policy's entry. Unknown
 * policy names and settings that do not fit a policy's schema are errors.
 */
export function resolvePolicyConfig(config: PolicyConfig = {}, policies: readonly PackPolicy[] = allPolicies): ResolvedPolicy[] {
    const problems: string[] = [];
    const known = new Set(policies.map((p) => p.name));
    for (const key of Object.keys(config)) {
        if (key !== "all" && !known.has(key)) {
            problems.push(`${key}: not a policy of the ${packName} pack`);
        }
    }
    const all = config.all;
    const allLevel = typeof all === "string" ? all : all?.enforcementLevel;
    const resolved = policies.map((policy) => {
        const entry = config[policy.name];
        const entryLevel = typeof entry === "string" ? entry : entry?.enforcementLevel;
        const enforcementLevel = entryLevel ?? allLevel ?? policy.enforcementLevel;
        const properties: Record<string, unknown> = {};
        for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
            if (schema.default !== undefined) {
                properties[key] = structuredClone(schema.default);
            }
        }
        if (typeof entry === "object" && entry !== null) {
            for (const [key, value] of Object.entries(entry)) {
                if (key !== "enforcementLevel") {
                    properties[key] = value;
                }
            }
        }
        if (!levels.includes(enforcementLevel)) {
            problems.push(`${policy.name}: enforcementLevel "${enforcementLevel}" is not one of ${levels.join(", ")}`);
        }
        problems.push(...validateProperties(policy, properties));
        return { policy, enforcementLevel, properties };
    });
    if (problems.length) {
        throw new PolicyConfigError(problems);
    }
    return resolved;
}

function validateProperties(policy: PackPolicy, properties: Record<string, unknown>): string[] {
    const schema = policy.configSchema?.properties ?? {};
    const problems: string[] = [];
    for (const [key, value] of Object.entries(properties)) {
        const property = schema[key];
        if (!property) {
            problems.push(`${policy.name}.${key}: not a setting of this policy (settings: ${Object.keys(schema).join(", ") || "none"})`);
            continue;
        }
        problems.push(...checkValue(`${policy.name}.${key}`, value, property));
    }
    for (const key of policy.configSchema?.required ?? []) {
        if (properties[key] === undefined) {
            problems.push(`${policy.name}.${key}: is required`);
        }
    }
    return problems;
}

function checkValue(where: string, value: unknown, schema: ConfigProperty): string[] {
    const typeOk =
        schema.type === "array" ? Array.isArray(value)
        : schema.type === "integer" ? Number.isInteger(value)
        : schema.type === "object" ? typeof value === "object" && value !== null && !Array.isArray(value)
        : typeof value === schema.type;
    if (!typeOk) {
        return [`${where}: ${JSON.stringify(value)} is not of type ${schema.type}`];
    }
    if (schema.enum && !schema.enum.includes(value as never)) {
        return [`${where}: ${JSON.stringify(value)} is not one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`];
    }
    if (typeof value === "number" && ((schema.minimum !== undefined && value < schema.minimum) || (schema.maximum !== undefined && value > schema.maximum))) {
        return [`${where}: ${value} is outside ${schema.minimum ?? "-∞"}..${schema.maximum ?? "∞"}`];
    }
    if (Array.isArray(value) && schema.items) {
        return value.flatMap((item, i) => checkValue(`${where}[${i}]`, item, schema.items!));
    }
    return [];
}

class NotApplicable extends Error {}
const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
};

/** Runs every enabled policy over the resources and returns what they report. */
export function runPolicies(resources: readonly RunnerResource[], options: RunOptions = {}): Violation[] {
    const config = options.config ?? (options.environment ? loadPolicyConfig(options.environment) : {});
    const stackResources: (StackResource & { readId?: string })[] = resources.map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: (r.props ?? r.inputs ?? {}) as Record<string, any>,
        ...(r.readId ? { readId: r.readId } : {}),
    }));
    const byUrn = new Map(stackResources.map((r) => [r.urn, r]));
    const violations: Violation[] = [];
    for (const { policy, enforcementLevel, properties } of resolvePolicyConfig(config)) {
        if (enforcementLevel === "disabled" || (options.only && !options.only.includes(policy.name))) {
            continue;
        }
        const level = enforcementLevel === "advisory" ? "advisory" : "mandatory";
        const getConfig = <T extends object>() => ({ ...properties }) as T;
        const record = (resource: StackResource | undefined) => (text: string, urn?: string) => {
            const target = urn ? byUrn.get(urn) : resource;
            const { message, fix } = splitFinding(text);
            violations.push({
                policy: policy.name,
                enforcementLevel: level,
                ...(policy.severity ? { severity: policy.severity } : {}),
                ...(target ? { resource: { urn: target.urn, type: target.type, name: target.name } } : {}),
                message,
                fix,
                description: policy.description,
            });
        };
        try {
            if (isStackPolicy(policy)) {
                const args: StackArgs & Record<string, unknown> = {
                    resources: stackResources.map((r) => ({ ...r, opts: defaultOpts(), dependencies: [], propertyDependencies: {} })),
                    getConfig,
                    stackTags: new Map<string, string>(),
                    notApplicable,
                };
                policy.validateStack(args, record(undefined));
            } else {
                for (const resource of stackResources) {
                    const args: ResourceArgs & Record<string, unknown> = { ...resource, opts: defaultOpts(), getConfig, stackTags: new Map<string, string>(), notApplicable };
                    try {
                        policy.validateResource(args, record(resource));
                    } catch (error) {
                        if (!(error instanceof NotApplicable)) {
                            throw error;
                        }
                    }
                }
            }
        } catch (error) {
            if (!(error instanceof NotApplicable)) {
                throw new Error(`policy ${policy.name} failed: ${(error as Error).stack ?? error}`);
            }
        }
    }
    return violations;
}

function defaultOpts() {
    return { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] };
}

export const mandatory = (violations: readonly Violation[]) => violations.filter((v) => v.enforcementLevel === "mandatory");

/** `[mandatory] policy: message — Fix: ...`, one violation per line. */
export function formatViolation(violation: Violation): string {
    return `[${violation.enforcementLevel}] ${violation.policy}: ${violation.message}${violation.fix ? ` — Fix: ${violation.fix}` : ""}`;
}

/** Name, level and description of every policy under a config, for reports and docs. */
export function describePolicies(config: PolicyConfig = {}): { name: string; enforcementLevel: EnforcementLevel; severity?: Severity; description: string }[] {
    return resolvePolicyConfig(config).map(({ policy, enforcementLevel }) => ({
        name: policy.name,
        enforcementLevel,
        ...(policy.severity ? { severity: policy.severity } : {}),
        description: policy.description,
    }));
}
