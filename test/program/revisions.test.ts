import { expect } from "chai";
import { revisionPlan } from "../../components/istioRevisions";
import { type Capture, type CapturedResource } from "../../tools/capture/capture";
import { capture, type Json, ofKind, one } from "../support/stacks";

// The README's "Upgrade Istio" path, step by step, under mocks: what each `pulumi up` of prod
// would create, change and remove. 1.27 → 1.31 is four minors, more than one revision move may
// span (two), so it goes through 1.29.
const steps = {
    classic127: ["istio.version=1.27.3"],
    canary129: ["istio.version=1.27.3", "istio.standbyRevisions={1-29-6: 1.29.6}"],
    onto129: ["istio.version=1.29.6", "istio.revision=1-29-6", "istio.standbyRevisions={default: 1.27.3}"],
    only129: ["istio.version=1.29.6", "istio.revision=1-29-6"],
    canary131: ["istio.version=1.29.6", "istio.revision=1-29-6", "istio.standbyRevisions={1-31-1: 1.31.1}"],
    onto131: ["istio.version=1.31.1", "istio.revision=1-31-1", "istio.standbyRevisions={1-29-6: 1.29.6}"],
    only131: ["istio.version=1.31.1", "istio.revision=1-31-1"],
};
type Step = keyof typeof steps;

interface Delta {
    added: string[];
    removed: string[];
    /** Resource → the top-level input fields that differ (a dependsOn change alone updates nothing). */
    changed: Record<string, string[]>;
}

const key = (r: CapturedResource) => `${r.type.replace(/^kubernetes:/, "")} ${r.name}`;

/** What a `pulumi up` from one step's config to the next would touch, by resource. */
function delta(before: Capture, after: Capture): Delta {
    const old = new Map(before.resources.map((r) => [key(r), r]));
    const now = new Map(after.resources.map((r) => [key(r), r]));
    const changed: Record<string, string[]> = {};
    for (const [k, r] of now) {
        const was = old.get(k);
        if (!was) {
            continue;
        }
        const fields = [...new Set([...Object.keys(was.inputs), ...Object.keys(r.inputs)])].filter((f) => JSON.stringify(was.inputs[f]) !== JSON.stringify(r.inputs[f]));
        if (fields.length) {
            changed[k] = fields.sort();
        }
    }
    return { added: [...now.keys()].filter((k) => !old.has(k)).sort(), removed: [...old.keys()].filter((k) => !now.has(k)).sort(), changed };
}

const release = (c: Capture, name: string): Json => one(c, "helm.sh/v3:Release", name).inputs as Json;
const labels = (c: Capture, namespace: string): Json => (one(c, "core/v1:Namespace", namespace).inputs as Json).metadata.labels;
const dependsOnNames = (c: Capture, name: string) => one(c, "helm.sh/v3:Release", name).dependencies.map((u) => c.resources.find((r) => r.urn === u)?.name);

describe("revision-based Istio upgrades (prod, under mocks)", () => {
    const at = {} as Record<Step, Capture>;
    before(async () => {
        for (const step of Object.keys(steps) as Step[]) {
            at[step] = await capture("prod", ...steps[step]);
        }
    });

    it("a fresh install has one istiod without a revision and namespaces labelled istio-injection=enabled", async () => {
        const fresh = await capture("prod");
        expect(ofKind(fresh, "helm.sh/v3:Release").map((r) => r.name).filter((name) => name.startsWith("istio")).sort()).to.deep.equal(["istio-base", "istio-ingressgateway", "istiod"]);
        expect(release(fresh, "istiod").values).to.not.have.any.keys("revision", "revisionTags");
        expect(labels(fresh, "ecommerce")).to.deep.include({ "istio-injection": "enabled" });
        expect(release(fresh, "istio-base").values).to.deep.equal({ defaultRevision: "default" });
    });

    it("step 1 installs the canary control plane beside the running one and upgrades only the CRDs", () => {
        expect(delta(at.classic127, at.canary129)).to.deep.equal({ added: ["helm.sh/v3:Release istiod-1-29-6"], removed: [], changed: { "helm.sh/v3:Release istio-base": ["version"] } });
        expect(release(at.canary129, "istiod-1-29-6")).to.include({ version: "1.29.6" });
        expect(release(at.canary129, "istiod-1-29-6").values).to.include({ revision: "1-29-6" }).and.not.have.key("revisionTags");
        expect(release(at.canary129, "istio-base")).to.include({ version: "1.29.6" });
    });

    it("step 2 points the namespaces and the gateway at the tag the canary owns, leaving the old istiod and every Deployment as they are", () => {
        expect(delta(at.canary129, at.onto129)).to.deep.equal({
            added: [],
            removed: [],
            changed: {
                "core/v1:Namespace ecommerce": ["metadata"],
                "core/v1:Namespace istio-ingress": ["metadata"],
                "helm.sh/v3:Release istio-base": ["values"],
                "helm.sh/v3:Release istio-ingressgateway": ["values", "version"],
                "helm.sh/v3:Release istiod-1-29-6": ["values"],
                // Grafana loads Istio's standard dashboards of the active release.
                "helm.sh/v3:Release kube-prometheus-stack": ["values"],
            },
        });
        for (const namespace of ["ecommerce", "istio-ingress"]) {
            expect(labels(at.onto129, namespace)).to.deep.include({ "istio.io/rev": "stable" }).and.not.have.key("istio-injection");
        }
        expect(release(at.onto129, "istiod-1-29-6").values.revisionTags).to.deep.equal(["stable"]);
        expect(release(at.onto129, "istio-ingressgateway")).to.include({ version: "1.29.6" });
        expect(release(at.onto129, "istio-ingressgateway").values).to.include({ revision: "stable" });
        expect(release(at.onto129, "istio-base").values).to.deep.equal({ defaultRevision: "1-29-6" });
        expect(release(at.onto129, "istiod")).to.include({ version: "1.27.3" });
        // The tag's new owner waits for the old control plane's update.
        expect(dependsOnNames(at.onto129, "istiod-1-29-6")).to.include("istiod");
    });

    it("step 3 removes the old control plane once the workloads have restarted onto the new one", () => {
        expect(delta(at.onto129, at.only129)).to.deep.equal({ added: [], removed: ["helm.sh/v3:Release istiod"], changed: {} });
    });

    it("the next move, 1.29 → 1.31, adds the canary, then moves the tag from the old revision to the new one", () => {
        expect(delta(at.only129, at.canary131)).to.deep.equal({
            added: ["helm.sh/v3:Release istiod-1-31-1"],
            removed: [],
            changed: { "helm.sh/v3:Release istio-base": ["version"] },
        });
        expect(delta(at.canary131, at.onto131)).to.deep.equal({
            added: [],
            removed: [],
            changed: {
                "helm.sh/v3:Release istio-base": ["values"],
                "helm.sh/v3:Release istio-ingressgateway": ["version"],
                "helm.sh/v3:Release istiod-1-29-6": ["values"],
                "helm.sh/v3:Release istiod-1-31-1": ["values"],
                "helm.sh/v3:Release kube-prometheus-stack": ["values"],
            },
        });
        expect(release(at.onto131, "istiod-1-29-6").values).to.not.have.key("revisionTags");
        expect(release(at.onto131, "istiod-1-31-1").values.revisionTags).to.deep.equal(["stable"]);
        expect(dependsOnNames(at.onto131, "istiod-1-31-1")).to.include("istiod-1-29-6");
        expect(dependsOnNames(at.onto131, "istiod-1-29-6")).to.not.include("istiod-1-31-1");
    });

    it("rolling back is the same edit the other way: the tag returns and the CRDs stay at the newest version", () => {
        expect(delta(at.onto131, at.canary131).changed["helm.sh/v3:Release istiod-1-29-6"]).to.deep.equal(["values"]);
        expect(release(at.canary131, "istiod-1-29-6").values.revisionTags).to.deep.equal(["stable"]);
        expect(release(at.canary131, "istio-base")).to.include({ version: "1.31.1" });
        expect(delta(at.onto131, at.only131).removed).to.deep.equal(["helm.sh/v3:Release istiod-1-29-6"]);
    });

    it("never touches a Deployment of the services: the restart onto the new proxies is the README's kubectl step", () => {
        const pairs: [Step, Step][] = [["classic127", "canary129"], ["canary129", "onto129"], ["onto129", "only129"], ["only129", "canary131"], ["canary131", "onto131"], ["onto131", "only131"]];
        for (const [from, to] of pairs) {
            const touched = Object.keys(delta(at[from], at[to]).changed).filter((k) => k.startsWith("apps/v1:Deployment"));
            expect(touched, `${from} → ${to}`).to.deep.equal([]);
        }
    });

    it("plans CRDs at the newest control plane's version and the gateway at the active one's", () => {
        const plan = revisionPlan({ version: "1.30.5", revision: "1-30-5", standbyRevisions: { "1-31-1": "1.31.1" } });
        expect(plan.baseVersion).to.equal("1.31.1");
        expect(plan.controlPlanes.map((c) => [c.release, c.version, c.active])).to.deep.equal([
            ["istiod-1-30-5", "1.30.5", true],
            ["istiod-1-31-1", "1.31.1", false],
        ]);
    });
});
