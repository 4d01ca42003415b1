// Asks the API server whether the kubeconfig's identity may do something, the way kubectl
// `auth can-i` does: a SelfSubjectAccessReview (kubernetes.io/docs/reference/access-authn-authz/authorization,
// "Checking API access"), signed with the token the kubeconfig's exec plugin (kubelogin) prints.
import { execFile } from "node:child_process";
import { request } from "node:https";
import { parse } from "yaml";
import { type Probe } from "./grantPropagation";

export interface ResourceAttributes {
    verb: string;
    group: string;
    resource: string;
}

export interface ExecPlugin {
    command: string;
    args: string[];
    env: Record<string, string>;
}

export interface Target {
    server: string;
    ca?: Buffer;
    exec: ExecPlugin;
}

export interface Transport {
    /** The bearer token the exec plugin prints (an ExecCredential); throws when the plugin cannot run. */
    token(exec: ExecPlugin): Promise<string>;
    /** POSTs JSON; rejects on a network error (no answer at all). */
    post(target: Target, path: string, token: string, body: unknown): Promise<{ status: number; body: string }>;
}

interface Kubeconfig {
    "current-context"?: string;
    contexts?: { name: string; context: { cluster: string; user: string } }[];
    clusters?: { name: string; cluster: { server: string; "certificate-authority-data"?: string } }[];
    users?: { name: string; user: { exec?: { command: string; args?: string[]; env?: { name: string; value: string }[] | null } } }[];
}

/** The current context's server, CA and exec plugin. */
export function targetOf(kubeconfig: string): Target {
    const doc = parse(kubeconfig) as Kubeconfig;
    const context = doc.contexts?.find((c) => c.name === doc["current-context"])?.context ?? doc.contexts?.[0]?.context;
    const cluster = doc.clusters?.find((c) => c.name === context?.cluster)?.cluster;
    const exec = doc.users?.find((u) => u.name === context?.user)?.user.exec;
    if (!cluster?.server || !exec?.command) {
        throw new Error(`kubeconfig: the current context has no ${cluster?.server ? "users[].user.exec (kubelogin)" : "clusters[].cluster.server"}`);
    }
    const ca = cluster["certificate-authority-data"];
    return {
        server: cluster.server,
        ...(ca ? { ca: Buffer.from(ca, "base64") } : {}),
        exec: { command: exec.command, args: exec.args ?? [], env: Object.fromEntries((exec.env ?? []).map(({ name, value }) => [name, value])) },
    };
}

/** What one SelfSubjectAccessReview answer means: allowed, or not yet and why. */
export function verdict(status: number, body: string): { allowed: true } | { allowed: false; reason: string } {
    if (status === 200 || status === 201) {
        const review = JSON.parse(body) as { status?: { allowed?: boolean; reason?: string } };
        return review.status?.allowed === true ? { allowed: true } : { allowed: false, reason: `not allowed yet (${review.status?.reason || "no reason given"})` };
    }
    let message = body.slice(0, 200);
    try {
        message = (JSON.parse(body) as { message?: string }).message ?? message;
    } catch {
        // not a Kubernetes Status: keep the raw text
    }
    return { allowed: false, reason: `HTTP ${status} (${message})` };
}

/** A probe that asks whether the kubeconfig's identity may do `attributes` cluster-wide. */
export function accessReviewProbe(kubeconfig: string, attributes: ResourceAttributes, transport: Transport = httpsTransport): Probe {
    const target = targetOf(kubeconfig);
    const review = { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: attributes } };
    return async () => {
        const token = await transport.token(target.exec);
        try {
            const answer = await transport.post(target, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", token, review);
            return verdict(answer.status, answer.body);
        } catch (error) {
            // No answer: the peering or the private endpoint's DNS may not carry traffic yet.
            return { allowed: false, reason: `no answer from ${target.server} (${(error as Error).message})` };
        }
    };
}

const execInfo = JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1beta1", kind: "ExecCredential", spec: { interactive: false } });

export const httpsTransport: Transport = {
    token: (exec) =>
        new Promise((resolve, reject) => {
            const env = { ...process.env, ...exec.env, KUBERNETES_EXEC_INFO: execInfo };
            execFile(exec.command, exec.args, { env, timeout: 120_000 }, (error, stdout, stderr) => {
                if (error) {
                    reject(new Error(`${exec.command} ${exec.args.slice(0, 3).join(" ")} failed: ${String(stderr).trim() || error.message}`));
                    return;
                }
                const token = (JSON.parse(stdout) as { status?: { token?: string } }).status?.token;
                if (token) {
                    resolve(token);
                } else {
                    reject(new Error(`${exec.command} printed no status.token`));
                }
            });
        }),
    post: (target, path, token, body) =>
        new Promise((resolve, reject) => {
            const data = JSON.stringify(body);
            const req = request(
                new URL(path, target.server),
                { method: "POST", ca: target.ca, timeout: 15_000, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(data) } },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (chunk: Buffer) => chunks.push(chunk));
                    res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
                    res.on("error", reject);
                },
            );
            req.on("timeout", () => req.destroy(new Error("timed out after 15s")));
            req.on("error", reject);
            req.end(data);
        }),
};
