// Shared by the policy tests: captures of the real program (tools/capture) per stack and set of
// config overrides, cached per test run (test/support/stacks.ts), and small helpers to mutate and query them.

import * as path from "node:path";
import type { CapturedResource } from "../../tools/capture/capture";
import { capture as captureShared } from "../support/stacks";
import { type PolicyConfig, runPolicies, type Violation } from "../../policies/runner";

export const projectDir = path.resolve(__dirname, "..", "..");
export const project = "ecommerce-mesh";
export type StackName = "local" | "dev" | "prod";

/** The resources the program registers for a stack file, with `pulumi config set --path`-style overrides (one capture per run, shared with the program tests). */
export async function capture(stack: StackName, ...overrides: string[]): Promise<CapturedResource[]> {
    return (await captureShared(stack, ...overrides)).resources;
}

/** The captured resource of a type (full token or its last segment, e.g. "Deployment") and name. */
export function find(resources: CapturedResource[], type: string, name: string): CapturedResource & { inputs: Record<string, any> } {
    const found = resources.find((r) => (r.type === type || r.type.endsWith(`:${type}`)) && r.name === name);
    if (!found) {
        throw new Error(`no ${type} ${name} among ${resources.length} captured resources`);
    }
    return found as CapturedResource & { inputs: Record<string, any> };
}

export function withoutResource(resources: CapturedResource[], type: string, name: string): CapturedResource[] {
    const target = find(resources, type, name);
    return resources.filter((r) => r !== target);
}

/** Violations of one policy, running only that policy at its level in the environment's config. */
export function violationsOf(policy: string, resources: CapturedResource[], environment: StackName | PolicyConfig = "prod"): Violation[] {
    const options = typeof environment === "string" ? { environment } : { config: environment };
    return runPolicies(resources, { ...options, only: [policy] });
}

/** "<resource name>: <message>" per violation, for readable assertions and failure output. */
export function summary(violations: Violation[]): string[] {
    return violations.map((v) => `${v.resource?.name ?? "<stack>"}: ${v.message}`);
}
