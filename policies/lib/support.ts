// The support table (policies/support-table.json) and the questions asked of it: is this
// version supported on this day, until when, and does this Istio support this Kubernetes.
// It lives in the policy pack because the pack is published on its own and judges by it; the
// program's defaults, `npm run render`/`check` and the README table read it through stacks/support.ts.
import table from "../support-table.json";

export interface IstioRow {
    minor: string;
    released: string;
    /** Published end of life; absent while it is "six weeks after minor + 2 ships". */
    endOfLife?: string;
    latestPatch?: string;
    latestPatchReleased?: string;
    kubernetes: string[];
    source: string;
    read: string;
}

export interface AksRow {
    minor: string;
    endOfLife: string;
    /** End of the long-term support plan (AKSLongTermSupport, Premium tier), where there is one. */
    ltsEndOfLife?: string;
    source: string;
    read: string;
}

export type PostgresOffering = "azure-flexible-server" | "cloudnative-pg";

export interface PostgresRow {
    offering: PostgresOffering;
    major: string;
    /** ga: generally available (supported until endOfLife); preview: no production support. */
    status: "ga" | "preview";
    endOfLife?: string;
    /** The CloudNativePG operator minor whose default image runs this major. */
    operator?: string;
    source: string;
    read: string;
}

/** A pinned chart: every Helm chart the program installs, read by the components through chartRow(). */
export interface ChartRow {
    name: string;
    repository: string;
    version: string;
    /** The application version the chart ships at this version (Chart.yaml appVersion). */
    appVersion?: string;
    /** Not installed on its own: a dependency of that chart, at the version that chart's version brings. */
    subchartOf?: string;
    /** The chart's values.yaml at that version, kept as a test fixture (path from the project root). */
    values?: string;
    source: string;
    read: string;
}

export interface SupportTable {
    istio: IstioRow[];
    aks: AksRow[];
    postgres: PostgresRow[];
    charts: ChartRow[];
}

export const supportTable: SupportTable = table as SupportTable;

/** Istio supports a minor until six weeks after the minor two ahead of it is released. */
const istioGraceDays = 42;

export type SupportState = "supported" | "ended" | "preview" | "unknown";

export interface Verdict {
    /** What was judged, as a person says it: "Istio 1.27.3", "AKS Kubernetes 1.36". */
    subject: string;
    state: SupportState;
    /** ISO date of the last supported day, when known. */
    endOfLife?: string;
    /** Days from `today` to the end of life (negative once past). */
    daysLeft?: number;
    /** Why, in one clause: "ended 2026-04-07", "supported until 2027-06-30". */
    detail: string;
    source?: string;
}

/** "1.31" of "1.31.1" (or of "1.31"); undefined for anything that is not major.minor[.patch]. */
export function minorOf(version: string): string | undefined {
    return /^(\d+\.\d+)(\.\d+)?$/.exec(version.trim())?.[1];
}

/** A day as YYYY-MM-DD, UTC. */
export function isoDay(date: Date): string {
    return date.toISOString().slice(0, 10);
}

function addDays(day: string, days: number): string {
    return isoDay(new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000));
}

export function daysBetween(from: string, to: string): number {
    return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Parses the day a check judges by: an ISO date, or today when empty. */
export function judgingDay(today?: string | Date): string {
    if (today instanceof Date) {
        return isoDay(today);
    }
    if (!today) {
        return isoDay(new Date());
    }
    if (!/^\d{4}-\d{2}-\d{2}$/.test(today) || Number.isNaN(Date.parse(`${today}T00:00:00Z`))) {
        throw new Error(`${JSON.stringify(today)} is not a date such as 2026-12-01`);
    }
    return today;
}

export function istioRow(version: string): IstioRow | undefined {
    const minor = minorOf(version);
    return supportTable.istio.find((row) => row.minor === minor);
}

/** The last supported day of an Istio minor: published, or six weeks after minor + 2 shipped. */
export function istioEndOfLife(row: IstioRow, minors: readonly IstioRow[] = supportTable.istio): string | undefined {
    if (row.endOfLife) {
        return row.endOfLife;
    }
    const [major, minor] = row.minor.split(".").map(Number);
    const twoAhead = minors.find((r) => r.minor === `${major}.${minor + 2}`);
    return twoAhead ? addDays(twoAhead.released, istioGraceDays) : undefined;
}

function dated(subject: string, endOfLife: string | undefined, day: string, source: string, openEnded: string): Verdict {
    if (!endOfLife) {
        return { subject, state: "supported", detail: `supported; ${openEnded}`, source };
    }
    const daysLeft = daysBetween(day, endOfLife);
    return daysLeft >= 0
        ? { subject, state: "supported", endOfLife, daysLeft, detail: `supported until ${endOfLife} (${daysLeft} days left)`, source }
        : { subject, state: "ended", endOfLife, daysLeft, detail: `end of life since ${endOfLife}`, source };
}

export function judgeIstio(version: string, today?: string | Date): Verdict {
    const day = judgingDay(today);
    const subject = `Istio ${version}`;
    const row = istioRow(version);
    if (!row) {
        return { subject, state: "unknown", detail: `not in the support table (policies/support-table.json knows ${supportTable.istio.map((r) => r.minor).join(", ")})` };
    }
    const [major, minor] = row.minor.split(".").map(Number);
    return dated(subject, istioEndOfLife(row), day, row.source, `ends six weeks after Istio ${major}.${minor + 2}.0 ships (not released as of ${row.read})`);
}

export function aksRow(version: string): AksRow | undefined {
    const minor = minorOf(version);
    return supportTable.aks.find((row) => row.minor === minor);
}

/** AKS support of a Kubernetes version; `lts` when the cluster is on the long-term support plan. */
export function judgeAksKubernetes(version: string, today?: string | Date, lts = false): Verdict {
    const day = judgingDay(today);
    const subject = `AKS Kubernetes ${version}${lts ? " (LTS)" : ""}`;
    const row = aksRow(version);
    if (!row) {
        return { subject, state: "unknown", detail: `not in the support table (policies/support-table.json knows ${supportTable.aks.map((r) => r.minor).join(", ")})` };
    }
    if (lts && !row.ltsEndOfLife) {
        return { ...dated(subject, row.endOfLife, day, row.source, ""), detail: `has no LTS; ${dated(subject, row.endOfLife, day, row.source, "").detail}` };
    }
    return dated(subject, lts ? row.ltsEndOfLife : row.endOfLife, day, row.source, "");
}

/** Whether an Istio version supports a Kubernetes minor; undefined when the table does not know the Istio minor. */
export function istioSupportsKubernetes(istioVersion: string, kubernetesVersion: string): boolean | undefined {
    const row = istioRow(istioVersion);
    const minor = minorOf(kubernetesVersion);
    return row && minor ? row.kubernetes.includes(minor) : undefined;
}

export const postgresOfferingNames: Record<PostgresOffering, string> = {
    "azure-flexible-server": "Azure Database for PostgreSQL flexible server",
    "cloudnative-pg": "CloudNativePG",
};

export function judgePostgres(offering: PostgresOffering, major: string, today?: string | Date): Verdict {
    const day = judgingDay(today);
    const subject = `PostgreSQL ${major} on ${postgresOfferingNames[offering]}`;
    const row = supportTable.postgres.find((r) => r.offering === offering && r.major === major);
    if (!row) {
        const known = supportTable.postgres.filter((r) => r.offering === offering).map((r) => r.major);
        return { subject, state: "unknown", detail: `not in the support table (policies/support-table.json knows ${known.join(", ")} for ${offering})` };
    }
    if (row.status === "preview") {
        return { subject, state: "preview", detail: "in preview: no production support", source: row.source };
    }
    return dated(subject, row.endOfLife, day, row.source, "no end of life announced");
}

/** Majors an offering supports on a day, newest first (what the data tier may offer). */
export function supportedPostgresMajors(offering: PostgresOffering, today?: string | Date): string[] {
    return supportTable.postgres
        .filter((r) => r.offering === offering && judgePostgres(offering, r.major, today).state === "supported")
        .map((r) => r.major);
}

/** The newest supported Istio minor on a day, and its newest patch (the default `istio.version`). */
export function newestSupportedIstio(today?: string | Date): IstioRow & { latestPatch: string } {
    const row = supportTable.istio.find((r) => r.latestPatch && judgeIstio(r.minor, today).state === "supported");
    if (!row) {
        throw new Error("policies/support-table.json lists no supported Istio minor with a latestPatch");
    }
    return row as IstioRow & { latestPatch: string };
}

/** The support table's row of a chart; the components take their pins from here, nowhere else. */
export function chartRow(name: string): ChartRow {
    const row = supportTable.charts.find((r) => r.name === name);
    if (!row) {
        throw new Error(`policies/support-table.json pins no chart named ${name} (charts: ${supportTable.charts.map((r) => r.name).join(", ")})`);
    }
    return row;
}

/**
 * The README's compatibility section, every row of the table: Istio minors, AKS minors,
 * PostgreSQL majors and pinned charts, each with its source and the day it was read.
 */
export function renderSupportMarkdown(support: SupportTable = supportTable): string {
    const lines: string[] = [];
    const row = (...cells: string[]) => lines.push(`| ${cells.join(" | ")} |`);
    const dash = (value?: string) => value ?? "—";

    row("Istio", "Released", "End of life", "Newest patch", "Kubernetes", "Source (read)");
    row("---", "---", "---", "---", "---", "---");
    for (const r of support.istio) {
        const [major, minor] = r.minor.split(".").map(Number);
        row(r.minor, r.released, istioEndOfLife(r, support.istio) ?? `6 weeks after ${major}.${minor + 2}.0`, dash(r.latestPatch), `${r.kubernetes[0]}–${r.kubernetes[r.kubernetes.length - 1]}`, `${r.source} (${r.read})`);
    }
    lines.push("");
    row("AKS Kubernetes", "End of life", "LTS end of life", "Source (read)");
    row("---", "---", "---", "---");
    for (const r of support.aks) {
        row(r.minor, r.endOfLife, dash(r.ltsEndOfLife), `${r.source} (${r.read})`);
    }
    lines.push("");
    row("PostgreSQL", "Offering", "Status", "End of life", "Source (read)");
    row("---", "---", "---", "---", "---");
    for (const r of support.postgres) {
        const offering = r.operator ? `${postgresOfferingNames[r.offering]} ${r.operator}` : postgresOfferingNames[r.offering];
        row(r.major, offering, r.status === "ga" ? "GA" : r.status, dash(r.endOfLife), `${r.source} (${r.read})`);
    }
    lines.push("");
    row("Chart", "Repository", "Version", "Source (read)");
    row("---", "---", "---", "---");
    for (const r of support.charts) {
        row(r.name, r.repository, r.version, `${r.source} (${r.read})`);
    }
    return `${lines.join("\n")}\n`;
}
