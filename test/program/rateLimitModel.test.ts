// Envoy's local rate limit as a table (components/builders/rateLimitModel.ts, after
// local_ratelimit_impl.cc): given the rendered filter, N clients, M gateway pods and R requests
// per client in one interval, which requests pass. The ingress-rate-limit policy uses the same model.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { LocalRateLimitModel, passedPerClient, remoteAddressSeen } from "../../components/builders/rateLimitModel";
import { capture, type Json, one, projectDir, spec } from "../support/stacks";

let prodFilter: Promise<Json> | undefined;
const rendered = async (): Promise<Json> => {
    prodFilter ??= capture("prod").then((c) => spec(one(c, "networking.istio.io/v1alpha3:EnvoyFilter", "ecommerce-gateway-edge-rate-limit")).configPatches[0].patch.value.typed_config);
    return structuredClone(await prodFilter);
};

/** Requests each of `clients` clients gets through `pods` pods (round-robin per request, each pod its own process). */
function throughPods(config: Json, clients: number, pods: number, methods: string[]): number[] {
    const perPod = Array.from({ length: pods }, (_, p) => passedPerClient(config, clients, methods.filter((_, i) => i % pods === p)));
    return Array.from({ length: clients }, (_, c) => perPod.reduce((sum, passed) => sum + passed[c], 0));
}

describe("Envoy local rate limit model, on the rendered prod filter (600 reads, 120 writes per minute)", () => {
    const reads = (n: number) => new Array<string>(n).fill("GET");
    const writes = (n: number) => new Array<string>(n).fill("POST");
    const table: { clients: number; pods: number; requests: string[]; passedEach: number }[] = [
        { clients: 1, pods: 1, requests: reads(700), passedEach: 600 },
        { clients: 500, pods: 1, requests: reads(600), passedEach: 600 },
        { clients: 200, pods: 1, requests: writes(130), passedEach: 120 },
        { clients: 3, pods: 3, requests: reads(2000), passedEach: 1800 }, // per Envoy process: N pods, N budgets
        { clients: 2, pods: 1, requests: [...reads(600), ...writes(120)], passedEach: 720 },
    ];
    for (const { clients, pods, requests, passedEach } of table) {
        it(`${clients} clients × ${requests.length} requests over ${pods} pod(s): each gets ${passedEach}`, async () => {
            expect(new Set(throughPods(await rendered(), clients, pods, requests))).to.deep.equal(new Set([passedEach]));
        });
    }

    it("the old filter (always_consume_default_token_bucket unset) shared 720 tokens among all clients of a pod", async () => {
        const old = { ...(await rendered()) };
        delete old.always_consume_default_token_bucket;
        delete old.max_dynamic_descriptors;
        const passed = passedPerClient(old, 10, reads(600));
        expect(passed.reduce((a, b) => a + b, 0)).to.equal(720);
    });

    it("past max_dynamic_descriptors (default 20) buckets are evicted and start full: 21 clients never run out", async () => {
        const old = { ...(await rendered()) };
        delete old.max_dynamic_descriptors;
        expect(new Set(passedPerClient(old, 21, reads(700)))).to.deep.equal(new Set([700]));
        expect(new Set(passedPerClient(old, 20, reads(700)))).to.deep.equal(new Set([600]));
    });

    it("behind externalTrafficPolicy Cluster all clients through a node share the node's address, so its budget", async () => {
        const config = await rendered();
        const addresses = ["198.51.100.1", "198.51.100.2"];
        const admitted = (policy: string | undefined) => {
            const model = new LocalRateLimitModel(config);
            return addresses.map((client) => reads(600).filter(() => model.allows({ client: remoteAddressSeen(policy, client, "10.224.0.4"), method: "GET" })).length);
        };
        expect(admitted(undefined)).to.deep.equal([600, 0]);
        expect(admitted("Local")).to.deep.equal([600, 600]);
    });
});

describe("docs/security.md: Rate limit at the edge states what the rendered objects do", () => {
    const section = () => {
        const doc = readFileSync(path.join(projectDir, "docs", "security.md"), "utf8");
        const start = doc.indexOf("### Rate limit at the edge");
        const next = doc.indexOf("\n#", start + 1);
        return doc.slice(start, next === -1 ? undefined : next);
    };

    it("names the per-pod bound, the eviction bound and the Local traffic policy the program renders", async () => {
        const c = await capture("prod");
        const config = spec(one(c, "networking.istio.io/v1alpha3:EnvoyFilter", "ecommerce-gateway-edge-rate-limit")).configPatches[0].patch.value.typed_config;
        const gateway = one(c, "helm.sh/v3:Release", "istio-ingressgateway").inputs as Json;
        expect(config.always_consume_default_token_bucket).to.equal(false);
        expect(section()).to.contain("`always_consume_default_token_bucket: false`");
        expect(section()).to.contain(`buckets for ${config.max_dynamic_descriptors} client addresses per budget`);
        expect(gateway.values.service.externalTrafficPolicy).to.equal("Local");
        expect(section()).to.contain("`externalTrafficPolicy: Local`");
        expect(section()).to.contain("with N gateway pods a client\n  gets up to N times its budget");
        expect(throughPods(config, 1, 3, new Array<string>(2000).fill("GET"))).to.deep.equal([1800]);
    });
});
