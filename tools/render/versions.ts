// The versions a stack runs and how long each stays supported, for the render report and
// `npm run check`: the same support table and the same reading of the resources as the
// version policies (policies/rules/versions.ts), judged on the day the tool runs.
import { pinnedVersions } from "../../policies/rules/versions";
import { istioRow, istioSupportsKubernetes, judgeAksKubernetes, judgeIstio, judgePostgres, judgingDay, type Verdict } from "../../stacks/support";
import { type CapturedResource } from "../capture/capture";

export interface VersionLine {
    /** What runs it: "istio-base, istiod, istio-ingressgateway", "ManagedCluster ecommerce-mesh-prod". */
    where: string;
    verdict: Verdict;
    /** A standby istiod revision: shown, not judged by istio-supported-version. */
    standby?: boolean;
}

export interface VersionReport {
    day: string;
    lines: VersionLine[];
    /** "Istio 1.31.1 supports Kubernetes 1.36", or where it does not. */
    compatibility: string[];
}

export function versionReport(resources: CapturedResource[], today?: string): VersionReport {
    const day = judgingDay(today);
    const pinned = pinnedVersions(resources.map((r) => ({ ...r, props: r.inputs ?? {} })));
    const lines: VersionLine[] = [];
    const byVersion = new Map<string, { names: string[]; standby: boolean }>();
    for (const release of pinned.istio) {
        const standby = !pinned.serving.includes(release);
        const key = `${release.version}|${standby}`;
        const entry = byVersion.get(key) ?? { names: [], standby };
        entry.names.push(release.name);
        byVersion.set(key, entry);
    }
    for (const [key, { names, standby }] of byVersion) {
        lines.push({ where: names.join(", "), verdict: judgeIstio(key.split("|")[0], day), ...(standby ? { standby } : {}) });
    }
    for (const cluster of pinned.clusters) {
        lines.push({ where: `ManagedCluster ${cluster.name}`, verdict: judgeAksKubernetes(cluster.version, day, cluster.lts) });
    }
    for (const deployment of pinned.postgres) {
        if (deployment.major) {
            lines.push({ where: deployment.what, verdict: judgePostgres(deployment.offering, deployment.major, day) });
        }
    }
    const serving = [...new Set(pinned.serving.map((r) => r.version!))];
    if (pinned.clusters.length === 0) {
        const ranges = serving.map((v) => `Istio ${v} supports Kubernetes ${istioRow(v)?.kubernetes.join(", ") ?? "(not in the support table)"}`);
        return { day, lines, compatibility: [`Kubernetes: the existing cluster's own, not pinned by the stack; ${ranges.join("; ") || "no Istio pinned"}`] };
    }
    const compatibility = pinned.clusters.flatMap((cluster) =>
        serving.map((version) => {
            const ok = istioSupportsKubernetes(version, cluster.version);
            return `Istio ${version} ${ok === undefined ? "is not in the support table for" : ok ? "supports" : "does NOT support"} Kubernetes ${cluster.version}`;
        }),
    );
    return { day, lines, compatibility };
}

const mark = (verdict: Verdict) => ({ supported: "ok", ended: "END", preview: "PRE", unknown: "??" })[verdict.state];

/** The report's "versions" block. */
export function formatVersions(report: VersionReport): string[] {
    if (report.lines.length === 0) {
        return [`versions (${report.day}): none pinned`];
    }
    const lines = [`versions (judged on ${report.day}):`];
    for (const { where, verdict, standby } of report.lines) {
        lines.push(`  [${mark(verdict)}] ${verdict.subject}${standby ? " (standby revision)" : ""}: ${verdict.detail} — ${where}`);
    }
    lines.push(...report.compatibility.map((line) => `  ${line}`));
    return lines;
}

/** One line for `npm run check`: each version and how long it stays supported. */
export function versionSummary(report: VersionReport): string {
    const short = (verdict: Verdict) =>
        verdict.state === "supported"
            ? verdict.endOfLife
                ? `${verdict.subject} until ${verdict.endOfLife} (${verdict.daysLeft} days)`
                : `${verdict.subject} (end not announced)`
            : `${verdict.subject} ${verdict.state === "ended" ? `ENDED ${verdict.endOfLife}` : verdict.state.toUpperCase()}`;
    return report.lines.length ? report.lines.map((line) => short(line.verdict) + (line.standby ? " [standby]" : "")).join("; ") : "no pinned versions";
}
