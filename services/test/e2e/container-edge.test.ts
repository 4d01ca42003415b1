// The container mode's edge (npm run dev -- --containers) answers an oversized body as the
// process mode does: 413 with the services' body, before forwarding. It used to forward a 3 MB
// order to the pod, which answered 413 mid-upload, and the client got 502.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import type { KubeObject } from "../../dev/container-manifests";
import { containerRouting } from "../../dev/containers";
import { DevError } from "../../dev/errors";
import { ephemeralDevIssuer } from "../../dev/issuer";
import { tooLargeBody } from "../../dev/passthrough";
import { defaultProductSplit } from "../../dev/routes";
import { createEdgeRouter, routerBodyLimit } from "../../dev/stack";
import { defaultBodyLimitBytes } from "../../src/runtime/config";

const deployment = (name: string, env: { name: string; value: string }[] = []) =>
    ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name }, spec: { template: { spec: { containers: [{ name, image: `${name}:1`, env }] } } } }) as unknown as KubeObject;

async function listen(server: http.Server): Promise<string> {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("container mode's edge: one behaviour with the process mode", () => {
    let pod: http.Server;
    let podUrl: string;
    let forwarded = 0;
    before(async () => {
        // A pod answering as the services do: 413 as soon as it sees the length.
        pod = http.createServer((_req, res) => {
            forwarded++;
            res.writeHead(413, { "content-type": "application/json", connection: "close" }).end(JSON.stringify(tooLargeBody));
        });
        podUrl = await listen(pod);
    });
    after(() => pod.close());

    async function post(objects: KubeObject[], bytes: number): Promise<{ status: number; body: unknown }> {
        const issuer = await ephemeralDevIssuer();
        const { edgeOptions } = containerRouting({ split: defaultProductSplit }, objects, () => podUrl, issuer, () => ({}));
        const edge = createEdgeRouter(edgeOptions);
        const base = await listen(edge);
        try {
            const res = await fetch(`${base}/api/orders`, {
                method: "POST",
                headers: { "content-type": "application/json", authorization: `Bearer ${await issuer.mint("big-spender")}` },
                body: JSON.stringify({ userId: "big-spender", items: [], note: "x".repeat(bytes) }),
            });
            return { status: res.status, body: await res.json() };
        } finally {
            edge.closeAllConnections();
            edge.close();
        }
    }

    it("answers a 3 MB order 413 with the services' body, without forwarding it", async () => {
        forwarded = 0;
        const answer = await post([deployment("order-v1")], 3 * 1024 * 1024);
        expect(answer).to.deep.equal({ status: 413, body: tooLargeBody });
        expect(forwarded, "the pod never saw the upload").to.equal(0);
    });

    it("uses the limit the pods run with: the services' default, or the Deployments' BODY_LIMIT_BYTES", async () => {
        expect(routerBodyLimit(undefined)).to.equal(defaultBodyLimitBytes); // what the process mode uses too
        forwarded = 0;
        const answer = await post([deployment("order-v1", [{ name: "BODY_LIMIT_BYTES", value: "1000" }])], 2_000);
        expect(answer.status).to.equal(413);
        expect(forwarded).to.equal(0);
    });

    it("answers 504 when a pod takes longer than the stack's route timeout, as the process mode does", async () => {
        const hanging = http.createServer(() => undefined);
        const hangingUrl = await listen(hanging);
        const issuer = await ephemeralDevIssuer();
        const { edgeOptions } = containerRouting({ split: defaultProductSplit, routeTimeoutMs: { order: 200 } }, [deployment("order-v1")], () => hangingUrl, issuer, () => ({}));
        const edge = createEdgeRouter(edgeOptions);
        const base = await listen(edge);
        try {
            const res = await fetch(`${base}/api/orders/1`, { headers: { authorization: `Bearer ${await issuer.mint("waiter")}` } });
            expect(res.status).to.equal(504);
        } finally {
            edge.closeAllConnections();
            edge.close();
            hanging.closeAllConnections();
            hanging.close();
        }
    });

    it("refuses Deployments that disagree on BODY_LIMIT_BYTES, naming the values", () => {
        const objects = [deployment("order-v1", [{ name: "BODY_LIMIT_BYTES", value: "1000" }]), deployment("user-v1", [{ name: "BODY_LIMIT_BYTES", value: "2000" }])];
        expect(() => containerRouting({ split: defaultProductSplit }, objects, () => podUrl, undefined as never, () => ({}))).to.throw(DevError, "the rendered Deployments set BODY_LIMIT_BYTES to 1000, 2000: the local edge needs one value");
    });

    it("docs/local.md says so", () => {
        const readme = readFileSync(path.join(__dirname, "..", "..", "..", "docs", "local.md"), "utf8");
        expect(readme).to.contain("with the local stack's split and the same edge rules: a body over\nthe pods' `BODY_LIMIT_BYTES` gets the services' 413 before it is forwarded");
    });
});
