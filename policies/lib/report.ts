// One format for every violation: what is wrong and on which object, then a one-line fix.
// The engine shows the text as is; the offline runner splits it back into message and fix.
import type { ReportViolation } from "./types";

export const fixSeparator = "\nFix: ";

export interface Finding {
    /** What is wrong, naming the object (`VirtualService ecommerce/order: ...`). */
    message: string;
    /** One line: what to change. */
    fix: string;
    /** The resource in violation (stack policies); resource policies may omit it. */
    urn?: string;
}

export function report(reportViolation: ReportViolation, finding: Finding): void {
    const fix = finding.fix.replace(/\s*\n\s*/g, " ").trim();
    reportViolation(`${finding.message}${fixSeparator}${fix}`, finding.urn);
}

/** Splits a reported text into its message and fix (the fix is empty when there is none). */
export function splitFinding(text: string): { message: string; fix: string } {
    const at = text.lastIndexOf(fixSeparator);
    return at < 0 ? { message: text, fix: "" } : { message: text.slice(0, at), fix: text.slice(at + fixSeparator.length) };
}
