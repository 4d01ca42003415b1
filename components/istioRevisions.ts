// Which istiod control planes a stack installs, and what points at which. Without
// `istio.revision`: one istiod, namespaces labelled istio-injection=enabled (a fresh install).
// With it: each control plane is a Helm release of its own (`istiod-<revision>`), the active one
// owns the revision tag that every namespace and the gateway point at (`istio.io/rev`), and
// standby revisions run beside it for a canary move or a rollback (README "Upgrade Istio").

/** The revision tag namespaces point at; moving it moves every workload on its next restart. */
export const revisionTag = "stable";
/** A standby named "default" is the istiod of an install from before revisions (release `istiod`). */
export const defaultRevisionName = "default";

export interface ControlPlane {
    /** Helm release (and Pulumi resource) name. */
    release: string;
    version: string;
    /** The chart's `revision` value: "" for the istiod without a revision. */
    revision: string;
    /** Whether it serves the namespaces (the tag, or injection without revisions). */
    active: boolean;
}

export interface RevisionPlan {
    /** The active control plane first, then the standbys. */
    controlPlanes: ControlPlane[];
    /** CRDs must be as new as the newest control plane. */
    baseVersion: string;
    /** base chart: the revision the default validating webhook calls. */
    defaultRevision: string;
    /** Labels that put a namespace's pods in the mesh. */
    injectionLabels: Record<string, string>;
    /** gateway chart `revision`: the gateway pods follow the tag, as the namespaces do. */
    gatewayRevision?: string;
}

export interface RevisionArgs {
    /** Version of the active control plane (and of the gateway chart). */
    version: string;
    revision?: string;
    /** Revision name → Istio version of the other control planes. */
    standbyRevisions?: Record<string, string>;
}

export function releaseName(revision: string): string {
    return revision === "" || revision === defaultRevisionName ? "istiod" : `istiod-${revision}`;
}

/** Compares x.y.z versions numerically. */
export function compareVersions(a: string, b: string): number {
    const [x, y] = [a, b].map((v) => v.split(".").map(Number));
    for (let i = 0; i < 3; i++) {
        if (x[i] !== y[i]) {
            return (x[i] ?? 0) - (y[i] ?? 0);
        }
    }
    return 0;
}

export function revisionPlan(args: RevisionArgs): RevisionPlan {
    const revision = args.revision ?? "";
    const standbys = Object.entries(args.standbyRevisions ?? {}).map(([name, version]): ControlPlane => {
        const chartRevision = name === defaultRevisionName ? "" : name;
        return { release: releaseName(chartRevision), version, revision: chartRevision, active: false };
    });
    const active: ControlPlane = { release: releaseName(revision), version: args.version, revision, active: true };
    const controlPlanes = [active, ...standbys];
    const baseVersion = controlPlanes.map((c) => c.version).reduce((newest, v) => (compareVersions(v, newest) > 0 ? v : newest));
    return revision
        ? { controlPlanes, baseVersion, defaultRevision: revision, injectionLabels: { "istio.io/rev": revisionTag }, gatewayRevision: revisionTag }
        : { controlPlanes, baseVersion, defaultRevision: "default", injectionLabels: { "istio-injection": "enabled" } };
}

/** istiod values for a control plane: its `revision`, and the tag when it is the active one. */
export function withRevision(plan: RevisionPlan, plane: ControlPlane, values: Record<string, unknown>): Record<string, unknown> {
    return {
        ...(plane.revision ? { revision: plane.revision } : {}),
        // Only the active control plane owns the tag the namespaces point at.
        ...(plane.active && plan.gatewayRevision ? { revisionTags: [plan.gatewayRevision] } : {}),
        ...values,
    };
}
