// The final table of a verify run and its totals.
import type { CheckResult } from "./checks";

export function formatTable(results: readonly CheckResult[]): string {
    const rows = [["check", "result", "observed", "expected"], ...results.map((r) => [r.check, r.status.toUpperCase(), r.observed, r.expected])];
    const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)));
    const line = (row: string[]) => row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]))).join("  ");
    return [line(rows[0]), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

export function summary(results: readonly CheckResult[]): { passed: number; failed: number; skipped: number } {
    const count = (status: CheckResult["status"]) => results.filter((r) => r.status === status).length;
    return { passed: count("pass"), failed: count("fail"), skipped: count("skip") };
}
