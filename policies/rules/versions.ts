// Supported versions, judged by the support table (support-table.json) on the day the pack runs,
// so a pinned version that reaches its end of life turns red without a code change. Each policy
// takes a `today` setting (YYYY-MM-DD) so tests and dry runs can judge another day, and a
// `lookAheadDays` setting so the daily support check (.github/workflows/support-check.yml)
// reports a version whose support ends within that many days, before it ends.
// A version the table does not know is never passed: support-table-knows-version reports it.

import { asString } from "../lib/k8s";
import { type HelmRelease, meshIndex } from "../lib/meshIndex";
import { report } from "../lib/report";
import {
    aksRow,
    daysBetween,
    isoDay,
    istioRow,
    istioSupportsKubernetes,
    judgeAksKubernetes,
    judgeIstio,
    judgePostgres,
    judgingDay,
    minorOf,
    newestSupportedIstio,
    type PostgresOffering,
    supportedPostgresMajors,
    supportTable,
    type Verdict,
} from "../lib/support";
import type { ConfigProperty, ReportViolation, StackArgs, StackPolicy } from "../lib/types";

const managedClusterType = "azure-native:containerservice:ManagedCluster";
const flexibleServerType = "azure-native:dbforpostgresql:Server";
const cnpgClusterType = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const istioCharts = new Set(["base", "istiod", "gateway"]);

const todaySetting: Record<string, ConfigProperty> = {
    today: { type: "string", default: "", description: "Day to judge by (YYYY-MM-DD); empty: the day the policy runs." },
    lookAheadDays: { type: "integer", default: 0, minimum: 0, maximum: 366, description: "Also report a version that is no longer supported on some day within this many days of the judging day." },
};

interface Judging {
    /** The day the policy runs (or `today`). */
    day: string;
    /** The day versions are judged on: `day` plus the look-ahead, so a version is reported once
     *  any day of the window falls after its last supported day. */
    horizon: string;
    lookAheadDays: number;
}

function judgingOf(args: StackArgs): Judging {
    const config = args.getConfig<{ today?: string; lookAheadDays?: number }>();
    const day = judgingDay(config.today);
    const lookAheadDays = config.lookAheadDays ?? 0;
    return { day, horizon: isoDay(new Date(Date.parse(`${day}T00:00:00Z`) + lookAheadDays * 86_400_000)), lookAheadDays };
}

/** "reached its end of life on X", or, for an end inside the look-ahead, "reaches ... in N days". */
function endPhrase(endOfLife: string | undefined, judging: Judging): string {
    const daysLeft = endOfLife === undefined ? -1 : daysBetween(judging.day, endOfLife);
    return daysLeft >= 0 ? `reaches its end of life on ${endOfLife}, in ${daysLeft} days (within the ${judging.lookAheadDays}-day look-ahead)` : `reached its end of life on ${endOfLife}`;
}

const chartName = (release: HelmRelease) => release.chart.replace(/^.*\//, "");

/**
 * The Istio charts that serve the mesh: base, gateway, and the istiod that namespaces inject
 * from (the one holding a revision tag, else the one without a revision). A standby revision,
 * kept beside it for a canary move or a rollback, is shown by `npm run render` but not judged here.
 */
export function servingIstioReleases(releases: readonly HelmRelease[]): HelmRelease[] {
    const istio = releases.filter((r) => istioCharts.has(chartName(r)) && r.version);
    const istiods = istio.filter((r) => chartName(r) === "istiod");
    const tagged = istiods.filter((r) => Array.isArray(r.values.revisionTags) && r.values.revisionTags.length > 0);
    const serving = tagged.length ? tagged : istiods.filter((r) => !asString(r.values.revision));
    return istio.filter((r) => chartName(r) !== "istiod" || serving.includes(r));
}

function groupByVersion(releases: HelmRelease[]): Map<string, HelmRelease[]> {
    const groups = new Map<string, HelmRelease[]>();
    for (const release of releases) {
        groups.set(release.version!, [...(groups.get(release.version!) ?? []), release]);
    }
    return groups;
}

const releaseList = (releases: HelmRelease[]) => releases.map((r) => `Helm release ${r.namespace}/${r.name}`).join(", ");
const urnOf = (releases: HelmRelease[]) => (releases.find((r) => chartName(r) === "istiod") ?? releases[0]).urn;

function istioFix(day: string): string {
    const newest = newestSupportedIstio(day);
    return `Set istio.version to ${newest.latestPatch} (Istio ${newest.minor}, supported on ${day}); from more than two minors behind, move through a revision (README "Upgrade Istio").`;
}

export const istioSupportedVersion: StackPolicy = {
    name: "istio-supported-version",
    description:
        "The Istio charts that serve the mesh (base, istiod, gateway) are at a minor Istio still supports on the day the policy runs: a minor is supported until six weeks after the minor two ahead ships, and only supported minors get security fixes. Mandatory in prod. Equivalent: istioctl x precheck / Istio supported releases.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: { properties: todaySetting },
    validateStack: (args, reportViolation) => {
        const judging = judgingOf(args);
        for (const [version, releases] of groupByVersion(servingIstioReleases(meshIndex(args.resources).helmReleases))) {
            const verdict = judgeIstio(version, judging.horizon);
            if (verdict.state === "ended") {
                report(reportViolation, {
                    urn: urnOf(releases),
                    message: `${releaseList(releases)}: Istio ${version} ${endPhrase(verdict.endOfLife, judging)} and gets no security fixes`,
                    fix: istioFix(judging.horizon),
                });
            }
        }
    },
};

/** Kubernetes minors AKS supports on a day that an Istio version also supports, newest first. */
function aksMinorsFor(istioVersions: string[], day: string): string[] {
    return supportTable.aks
        .map((r) => r.minor)
        .filter((minor) => judgeAksKubernetes(minor, day).state === "supported" && istioVersions.every((v) => istioSupportsKubernetes(v, minor) !== false));
}

/** AKS upgrades a running cluster one minor at a time: the minors a pin moves through. */
function upgradePath(from: string, to: string): string {
    const [major, start] = (minorOf(from) ?? from).split(".").map(Number);
    const end = Number(to.split(".")[1]);
    const steps = Array.from({ length: Math.max(end - start, 0) }, (_, i) => `${major}.${start + i + 1}`);
    return steps.length > 1 ? `A running cluster moves one minor per pulumi up: ${steps.join(", then ")}.` : "";
}

interface ClusterVersion {
    urn: string;
    name: string;
    version: string;
    lts: boolean;
}

function clusterVersions(args: Pick<StackArgs, "resources">): ClusterVersion[] {
    return meshIndex(args.resources)
        .ofType(managedClusterType)
        .map(({ resource, props }) => ({
            urn: resource.urn,
            name: asString(props.resourceName) ?? resource.name,
            version: asString(props.kubernetesVersion) ?? "",
            // AKS's long-term support plan runs a minor past its community end of life.
            lts: asString(props.supportPlan) === "AKSLongTermSupport",
        }))
        .filter((cluster) => cluster.version);
}

const istioVersionsOf = (args: StackArgs) => [...groupByVersion(servingIstioReleases(meshIndex(args.resources).helmReleases)).keys()];

export const kubernetesSupportedVersion: StackPolicy = {
    name: "kubernetes-supported-version",
    description:
        "The AKS cluster's Kubernetes minor is one AKS still supports on the day the policy runs (its LTS end when the cluster is on the AKSLongTermSupport plan): AKS creates no cluster at an unsupported minor and stops patching running ones. Mandatory in prod. Equivalent: AKS supported Kubernetes versions / Azure Advisor.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: { properties: todaySetting },
    validateStack: (args, reportViolation) => {
        const judging = judgingOf(args);
        const day = judging.horizon;
        for (const cluster of clusterVersions(args)) {
            const verdict = judgeAksKubernetes(cluster.version, day, cluster.lts);
            if (verdict.state === "ended") {
                const choices = aksMinorsFor(istioVersionsOf(args), day);
                report(reportViolation, {
                    urn: cluster.urn,
                    message: `ManagedCluster ${cluster.name}: Kubernetes ${cluster.version} ${endPhrase(verdict.endOfLife, judging).replace("end of life on", "end of life on AKS on")}${cluster.lts ? " (LTS)" : ""}, so AKS will not create or patch it`,
                    fix: choices.length
                        ? `Set cluster.kubernetesVersion to "${choices[0]}" (supported until ${aksRow(choices[0])!.endOfLife}${choices.length > 1 ? `; also supported: ${choices.slice(1).join(", ")}` : ""}). ${upgradePath(cluster.version, choices[0])}`
                        : `AKS supports ${aksMinorsFor([], day).join(", ")} on ${day}, none of which Istio ${istioVersionsOf(args).join(", ")} supports: upgrade Istio first (README "Upgrade Istio"), then set cluster.kubernetesVersion.`,
                });
            }
        }
    },
};

export const istioKubernetesCompatible: StackPolicy = {
    name: "istio-kubernetes-compatible",
    description:
        "The stack's Istio minor supports the stack's Kubernetes minor (Istio's supported Kubernetes versions per release), so the control plane is tested against the API server it runs on. Mandatory in prod. Equivalent: istioctl x precheck (Kubernetes version check).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const istioVersions = istioVersionsOf(args);
        for (const cluster of clusterVersions(args)) {
            for (const version of istioVersions) {
                if (istioSupportsKubernetes(version, cluster.version) === false) {
                    const row = istioRow(version)!;
                    const supportedBy = supportTable.istio.filter((r) => r.kubernetes.includes(minorOf(cluster.version) ?? "")).map((r) => r.minor);
                    report(reportViolation, {
                        urn: cluster.urn,
                        message: `ManagedCluster ${cluster.name}: Kubernetes ${cluster.version} is not one Istio ${version} supports (${row.kubernetes.join(", ")})`,
                        fix: `Set cluster.kubernetesVersion to one of ${row.kubernetes.join(", ")}${supportedBy.length ? `, or istio.version to a release of Istio ${supportedBy.join(" or ")}` : ""}.`,
                    });
                }
            }
        }
    },
};

interface PostgresDeployment {
    urn: string;
    what: string;
    offering: PostgresOffering;
    /** The major, or why it cannot be read. */
    major?: string;
    unreadable?: string;
}

/** PostgreSQL majors of the data tier: Flexible Server `version`, CloudNativePG `spec.imageName`. */
export function postgresDeployments(resources: StackArgs["resources"]): PostgresDeployment[] {
    const index = meshIndex(resources);
    const servers = index.ofType(flexibleServerType).map(({ resource, props }): PostgresDeployment => {
        const version = props.version === undefined ? undefined : String(props.version);
        return {
            urn: resource.urn,
            what: `Flexible Server ${asString(props.serverName) ?? resource.name}`,
            offering: "azure-flexible-server",
            ...(version ? { major: version.split(".")[0] } : { unreadable: "version is unset, so Azure picks its default major" }),
        };
    });
    const clusters = index.objects
        .filter((o) => o.type === cnpgClusterType)
        .map((o): PostgresDeployment => {
            const image = asString(o.spec.imageName);
            const major = image ? /:(\d+)(?:[.\-@][^/]*)?$/.exec(image)?.[1] : undefined;
            return {
                urn: o.urn,
                what: `CloudNativePG Cluster ${o.namespace}/${o.name}`,
                offering: "cloudnative-pg",
                ...(major ? { major } : { unreadable: image ? `spec.imageName ${image} carries no PostgreSQL major in its tag` : "spec.imageName is unset, so the operator's default image decides the major" }),
            };
        });
    return [...servers, ...clusters];
}

export const postgresSupportedVersion: StackPolicy = {
    name: "postgres-supported-version",
    description:
        "The data tier's PostgreSQL major is supported on the day the policy runs by what runs it: Azure Database for PostgreSQL flexible server (its version input; preview majors are not production-supported) or CloudNativePG (the major of spec.imageName). Mandatory in prod. Equivalent: Azure PostgreSQL version policy / PostgreSQL community versioning policy.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: { properties: todaySetting },
    validateStack: (args, reportViolation) => {
        const judging = judgingOf(args);
        const day = judging.horizon;
        for (const deployment of postgresDeployments(args.resources)) {
            if (!deployment.major) {
                continue;
            }
            const verdict = judgePostgres(deployment.offering, deployment.major, day);
            if (verdict.state === "ended" || verdict.state === "preview") {
                const supported = supportedPostgresMajors(deployment.offering, day);
                report(reportViolation, {
                    urn: deployment.urn,
                    message: `${deployment.what}: PostgreSQL ${deployment.major} ${verdict.state === "ended" ? endPhrase(verdict.endOfLife, judging) : "is in preview, without production support"}`,
                    fix: supported.length ? `Set database.version to ${supported.join(" or ")} (supported on ${day}) and upgrade the server's major.` : `Pick a PostgreSQL major policies/support-table.json lists as supported.`,
                });
            }
        }
    },
};

function unknownFinding(reportViolation: ReportViolation, urn: string, what: string, verdict: Verdict, fix: string): void {
    report(reportViolation, { urn, message: `${what}: ${verdict.subject} is ${verdict.detail}, so its support cannot be judged`, fix });
}

export const supportTableKnowsVersion: StackPolicy = {
    name: "support-table-knows-version",
    description:
        "Every Istio chart, AKS Kubernetes and PostgreSQL version the stack pins is in the support table (policies/support-table.json), so the version policies judge it rather than pass it unseen. Advisory: a new release can be pinned before the table lists it. Equivalent: none; it keeps the support table complete.",
    enforcementLevel: "advisory",
    severity: "medium",
    validateStack: (args, reportViolation) => {
        const addRow = "Add its row, with source and read date, to policies/support-table.json (and check its support dates), or pin a listed version.";
        const index = meshIndex(args.resources);
        for (const [version, releases] of groupByVersion(index.helmReleases.filter((r) => istioCharts.has(chartName(r)) && r.version))) {
            const verdict = judgeIstio(version);
            if (verdict.state === "unknown") {
                unknownFinding(reportViolation, urnOf(releases), releaseList(releases), verdict, addRow);
            }
        }
        for (const cluster of clusterVersions(args)) {
            const verdict = judgeAksKubernetes(cluster.version);
            if (verdict.state === "unknown") {
                unknownFinding(reportViolation, cluster.urn, `ManagedCluster ${cluster.name}`, verdict, addRow);
            }
        }
        for (const deployment of postgresDeployments(args.resources)) {
            if (deployment.unreadable) {
                report(reportViolation, { urn: deployment.urn, message: `${deployment.what}: ${deployment.unreadable}, so its support cannot be judged`, fix: "Pin the major (database.version)." });
                continue;
            }
            const verdict = judgePostgres(deployment.offering, deployment.major!);
            if (verdict.state === "unknown") {
                unknownFinding(reportViolation, deployment.urn, deployment.what, verdict, addRow);
            }
        }
    },
};

/** The versions a stack pins, for `npm run render` to show with their support. */
export function pinnedVersions(resources: StackArgs["resources"]): { istio: HelmRelease[]; serving: HelmRelease[]; clusters: ClusterVersion[]; postgres: PostgresDeployment[] } {
    const releases = meshIndex(resources).helmReleases.filter((r) => istioCharts.has(chartName(r)) && r.version);
    return { istio: releases, serving: servingIstioReleases(releases), clusters: clusterVersions({ resources }), postgres: postgresDeployments(resources) };
}

export const versionPolicies = [istioSupportedVersion, kubernetesSupportedVersion, istioKubernetesCompatible, postgresSupportedVersion, supportTableKnowsVersion];
