// The slice of @pulumi/policy's API the rules use, declared structurally so the rule modules and
// the offline runner load without the policy SDK installed (the root test run and the render
// tool import them from the repo root). policies/index.ts hands these objects to the real
// PolicyPack, where the compiler checks they fit the SDK's types.

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";
export type Severity = "low" | "medium" | "high" | "critical";

/** A resource as a stack validation sees it (the engine passes more fields; rules read these). */
export interface StackResource {
    type: string;
    /** Inputs during preview, outputs after an update. */
    props: Record<string, any>;
    urn: string;
    name: string;
}

export interface StackArgs {
    resources: StackResource[];
    getConfig<T extends object>(): T;
}

export interface ResourceArgs {
    type: string;
    props: Record<string, any>;
    urn: string;
    name: string;
    getConfig<T extends object>(): T;
}

export type ReportViolation = (message: string, urn?: string) => void;

/** A JSON value, as a policy config holds it. */
export type JsonValue = string | number | boolean | null | object;

/** JSON Schema subset Pulumi accepts for a policy's config properties. */
export interface ConfigProperty {
    type: "string" | "number" | "integer" | "boolean" | "array" | "object";
    description?: string;
    default?: JsonValue;
    enum?: JsonValue[];
    items?: ConfigProperty;
    minimum?: number;
    maximum?: number;
}

interface PolicyBase {
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    severity?: Severity;
    remediationSteps?: string;
    tags?: string[];
    configSchema?: { properties: Record<string, ConfigProperty>; required?: string[] };
}

export interface ResourcePolicy extends PolicyBase {
    validateResource: (args: ResourceArgs, reportViolation: ReportViolation) => void;
}

export interface StackPolicy extends PolicyBase {
    validateStack: (args: StackArgs, reportViolation: ReportViolation) => void;
}

export type PackPolicy = ResourcePolicy | StackPolicy;

export function isStackPolicy(policy: PackPolicy): policy is StackPolicy {
    return typeof (policy as StackPolicy).validateStack === "function";
}
