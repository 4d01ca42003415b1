// Runs the project's policy pack (policies/runner.ts) over the captured resources.
import { existsSync } from "node:fs";
import * as path from "node:path";
import { type CapturedResource } from "../capture/capture";

export interface Violation {
    policy: string;
    enforcementLevel: string;
    /** low, medium, high or critical, when the policy declares one. */
    severity?: string;
    resource?: { urn?: string; type: string; name: string };
    message: string;
    fix?: string;
}

export interface PolicyRun {
    /** False when the project has no policies/runner.ts (yet): nothing was checked. */
    ran: boolean;
    /** Why it did not run, or which policy config it ran with. */
    note?: string;
    violations: Violation[];
}

interface Runner {
    runPolicies(resources: CapturedResource[], options: { config?: unknown }): Violation[];
    loadPolicyConfig(environment: string): unknown;
}

export async function runPolicyPack(
    projectDir: string,
    resources: CapturedResource[],
    environment: string | undefined,
    settings: Record<string, Record<string, unknown>> = {},
): Promise<PolicyRun> {
    const runnerPath = path.join(projectDir, "policies", "runner");
    let runner: Partial<Runner>;
    try {
        runner = require(runnerPath) as Partial<Runner>;
    } catch (error) {
        if ((error as { code?: string }).code === "MODULE_NOT_FOUND" && String((error as Error).message).includes(runnerPath)) {
            return { ran: false, note: "no policies/runner.ts in this project: policies not checked", violations: [] };
        }
        throw error;
    }
    if (typeof runner.runPolicies !== "function" || typeof runner.loadPolicyConfig !== "function") {
        return { ran: false, note: "policies/runner.ts exports no runPolicies()/loadPolicyConfig(): policies not checked", violations: [] };
    }
    // The same file CI hands `pulumi preview --policy-pack-config`: policies/config/<environment>.json.
    let config: unknown = {};
    let note: string | undefined;
    const configFile = path.join(projectDir, "policies", "config", `${environment}.json`);
    if (environment && existsSync(configFile)) {
        config = runner.loadPolicyConfig(environment);
        note = `policy config policies/config/${environment}.json`;
    } else {
        note = `no policies/config/${environment ?? "<environment>"}.json: the pack's default levels`;
    }
    config = withSettings(config as Record<string, unknown>, settings);
    // The runner reads `inputs` (what the capture records) and reports `fix` separately.
    const violations = runner.runPolicies(resources, { config });
    return { ran: true, note, violations: [...violations].sort(compareViolations) };
}

/** Lays settings over a policy's entry, keeping its level (a bare level string becomes `{ enforcementLevel }`). */
export function withSettings(config: Record<string, unknown>, settings: Record<string, Record<string, unknown>>): Record<string, unknown> {
    const merged = { ...config };
    for (const [policy, values] of Object.entries(settings)) {
        const entry = merged[policy];
        merged[policy] = typeof entry === "string" ? { enforcementLevel: entry, ...values } : { ...(entry as Record<string, unknown> | undefined), ...values };
    }
    return merged;
}

export function isMandatory(violation: Violation): boolean {
    return violation.enforcementLevel === "mandatory";
}

const levelOrder = ["mandatory", "advisory", "remediate", "disabled"];

function compareViolations(a: Violation, b: Violation): number {
    const rank = (v: Violation) => (levelOrder.indexOf(v.enforcementLevel) + levelOrder.length + 1) % (levelOrder.length + 1);
    const text = (v: Violation) => `${v.policy}\u0000${v.resource?.type ?? ""}\u0000${v.resource?.name ?? ""}\u0000${v.message}`;
    return rank(a) - rank(b) || (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0);
}
