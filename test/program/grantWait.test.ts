// The bounded wait for the deployer's AKS RBAC grant: the polling under a fake clock, the
// SelfSubjectAccessReview under a fake transport, and the provider as the engine would load it.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { stringify } from "yaml";
import { accessReviewProbe, targetOf, type Transport } from "../../components/builders/accessReview";
import { type Clock, grantPropagation, type Probe, waitUntilAllowed } from "../../components/builders/grantPropagation";
import { capture, type Json, one, projectDir } from "../support/stacks";

function fakeClock(): Clock & { slept: number[] } {
    let now = 0;
    const slept: number[] = [];
    return { slept, now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)) };
}

const what = "AKS RBAC Cluster Admin on c (role assignment /ra/1)";

describe("grant propagation: the bounded wait", () => {
    it("waits 10 minutes, twice the 5 that learn.microsoft.com/azure/aks/manage-azure-rbac documents, probing every 10s, as docs/first-deploy.md says", () => {
        expect(grantPropagation).to.deep.equal({ timeoutMs: 600_000, intervalMs: 10_000 });
        const doc = readFileSync(path.join(projectDir, "docs", "first-deploy.md"), "utf8").replace(/\s+/g, " ");
        expect(doc).to.contain("`aks-deployer-admin-propagated` (`components/grantWait.ts`)");
        expect(doc).to.contain("whether the deployer may create CRDs (a SelfSubjectAccessReview, as `kubectl auth can-i` sends) every 10 seconds, for at most 10 minutes");
    });

    it("returns on the first allowed answer, having slept between denials only", async () => {
        const clock = fakeClock();
        const answers = [false, false, false, true];
        const probe: Probe = async () => (answers.shift() ? { allowed: true } : { allowed: false, reason: "not allowed yet" });
        expect(await waitUntilAllowed(probe, { what, ...grantPropagation, clock })).to.deep.equal({ attempts: 4, waitedMs: 30_000 });
        expect(clock.slept).to.deep.equal([10_000, 10_000, 10_000]);
    });

    it("gives up at the bound, naming the role assignment and the last answer", async () => {
        const clock = fakeClock();
        let n = 0;
        const probe: Probe = async () => ({ allowed: false, reason: `HTTP 403 (try ${++n})` });
        const failure = await waitUntilAllowed(probe, { what, ...grantPropagation, clock }).then(() => undefined, (error: Error) => error);
        expect(failure?.message).to.match(/^AKS RBAC Cluster Admin on c \(role assignment \/ra\/1\) was not in effect after 600s \(61 checks; Azure documents up to 5 minutes\)\. Last answer: HTTP 403 \(try 61\)\./);
        expect(clock.now()).to.equal(600_000);
    });

    it("stops at once when the probe cannot help (kubelogin missing), without sleeping", async () => {
        const clock = fakeClock();
        const probe: Probe = () => Promise.reject(new Error("kubelogin get-token --login failed: not found"));
        await waitUntilAllowed(probe, { what, ...grantPropagation, clock }).then(
            () => expect.fail("resolved"),
            (error: Error) => expect(error.message).to.contain("kubelogin"),
        );
        expect(clock.slept).to.deep.equal([]);
    });
});

const kubeconfig = (exec: { command: string; args: string[] }, server = "https://aks.example:443") =>
    stringify({
        apiVersion: "v1",
        "current-context": "aks",
        contexts: [{ name: "aks", context: { cluster: "aks", user: "deployer" } }],
        clusters: [{ name: "aks", cluster: { server, "certificate-authority-data": Buffer.from("CA").toString("base64") } }],
        users: [{ name: "deployer", user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", ...exec, env: [{ name: "X", value: "1" }] } } }],
    });
const kubelogin = { command: "kubelogin", args: ["get-token", "--login", "workloadidentity", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"] };
const crds = { verb: "create", group: "apiextensions.k8s.io", resource: "customresourcedefinitions" };

describe("grant propagation: one SelfSubjectAccessReview", () => {
    function transport(answer: () => Promise<{ status: number; body: string }>): Transport & { posts: Json[] } {
        const posts: Json[] = [];
        return {
            posts,
            token: async (exec) => `token-for-${exec.command}-${exec.env.X}`,
            post: async (target, path, token, body) => (posts.push({ server: target.server, ca: target.ca?.toString(), path, token, body }), answer()),
        };
    }

    it("asks the current context's server, with its CA and the exec plugin's token, whether it may create CRDs", async () => {
        const fake = transport(async () => ({ status: 201, body: JSON.stringify({ status: { allowed: true } }) }));
        expect(await accessReviewProbe(kubeconfig(kubelogin), crds, fake)()).to.deep.equal({ allowed: true });
        expect(fake.posts).to.deep.equal([
            {
                server: "https://aks.example:443",
                ca: "CA",
                path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                token: "token-for-kubelogin-1",
                body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: crds } },
            },
        ]);
    });

    const notYet: [string, () => Promise<{ status: number; body: string }>, RegExp][] = [
        ["a review that says no", async () => ({ status: 201, body: JSON.stringify({ status: { allowed: false, reason: "no RBAC policy matched" } }) }), /^not allowed yet \(no RBAC policy matched\)$/],
        ["a 403 Status", async () => ({ status: 403, body: JSON.stringify({ kind: "Status", message: "forbidden: User cannot create resource" }) }), /^HTTP 403 \(forbidden: User cannot create resource\)$/],
        ["a 401 while the token is not yet accepted", async () => ({ status: 401, body: "Unauthorized" }), /^HTTP 401 \(Unauthorized\)$/],
        ["no answer (the peering not carrying traffic yet)", () => Promise.reject(new Error("connect ETIMEDOUT 10.20.0.4:443")), /^no answer from https:\/\/aks\.example:443 \(connect ETIMEDOUT/],
    ];
    for (const [name, answer, reason] of notYet) {
        it(`counts ${name} as not yet`, async () => {
            const result = await accessReviewProbe(kubeconfig(kubelogin), crds, transport(answer))();
            expect(result.allowed).to.equal(false);
            expect((result as { reason: string }).reason).to.match(reason);
        });
    }

    it("refuses a kubeconfig without an exec plugin, naming what is missing", () => {
        const noExec = stringify({ "current-context": "a", contexts: [{ name: "a", context: { cluster: "a", user: "u" } }], clusters: [{ name: "a", cluster: { server: "https://x" } }], users: [{ name: "u", user: {} }] });
        expect(() => targetOf(noExec)).to.throw("kubeconfig: the current context has no users[].user.exec (kubelogin)");
    });
});

describe("grant propagation: the provider as the engine loads it", () => {
    // The engine's dynamic provider host does requireFromString(__provider).handler() (@pulumi/pulumi cmd/dynamic-provider).
    async function loadedProvider(): Promise<Json> {
        const wait = one(await capture("prod"), "pulumi-nodejs:dynamic:Resource", "aks-deployer-admin-propagated");
        const requireFromString = require("require-from-string") as (code: string) => { handler: () => Json };
        return requireFromString((wait.inputs as Json).__provider).handler();
    }
    const inputs = (exec: { command: string; args: string[] }, server: string) => ({
        kubeconfig: kubeconfig(exec, server),
        roleAssignmentId: "/ra/1",
        grant: "AKS RBAC Cluster Admin on c",
        attributes: crds,
        timeoutMs: 0,
        intervalMs: 10_000,
    });

    it("runs the exec plugin, calls the server over HTTPS and fails at the bound naming the role assignment", async () => {
        const printsToken = { command: process.execPath, args: ["-e", 'console.log(JSON.stringify({status:{token:"t"}}))'] };
        const provider = await loadedProvider();
        const failure = await provider.create(inputs(printsToken, "https://127.0.0.1:9")).then(() => undefined, (error: Error) => error);
        expect(failure?.message).to.match(/^AKS RBAC Cluster Admin on c \(role assignment \/ra\/1\) was not in effect after 0s \(1 check;.*Last answer: no answer from https:\/\/127\.0\.0\.1:9 \(connect ECONNREFUSED/);
    });

    it("fails at once, naming the command, when the exec plugin is not on PATH", async () => {
        const provider = await loadedProvider();
        const failure = await provider.create({ ...inputs({ command: "kubelogin-not-installed", args: ["get-token"] }, "https://127.0.0.1:9"), timeoutMs: 600_000 }).then(() => undefined, (error: Error) => error);
        expect(failure?.message).to.match(/^kubelogin-not-installed get-token failed: .*ENOENT/);
    });
});
