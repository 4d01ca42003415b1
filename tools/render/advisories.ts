// What `npm run check` says about advisory findings: a count alone hid which policies raised
// them and how to read them, so a stack passed with twenty findings nobody looked at.
import { isMandatory, type Violation } from "./policies";

export interface AdvisoryCount {
    policy: string;
    count: number;
}

/** Advisory findings per policy, most first (then by name), so the line reads the same every run. */
export function advisoriesByPolicy(violations: readonly Violation[]): AdvisoryCount[] {
    const counts = new Map<string, number>();
    for (const violation of violations.filter((v) => !isMandatory(v))) counts.set(violation.policy, (counts.get(violation.policy) ?? 0) + 1);
    return [...counts].map(([policy, count]) => ({ policy, count })).sort((a, b) => b.count - a.count || a.policy.localeCompare(b.policy));
}

/** The line under a stack's summary: which policies, how many findings each, and the command that shows them. */
export function advisoryLine(stack: string, advisories: readonly AdvisoryCount[]): string {
    const list = advisories.map(({ policy, count }) => `${policy} ×${count}`).join(", ");
    return `     advisories: ${list}; in full: npm run render -- --stack ${stack}`;
}
