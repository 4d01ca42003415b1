// Zero trust under mocks, per shipped stack: the edge routes only public and customer
// operations, each AuthorizationPolicy admits exactly the calls the code makes, the gateway
// checks end-user tokens from `auth.*`, and the rate limit follows `rateLimit.*`.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { devAudience, devIssuerName } from "../../services/dev/issuer";
import { istioPathRegex } from "../../policies/rules/access";
import { apiRoutes, callsOf, operationPath, routeMethods, subjectHeader } from "../../services/src/runtime/api-surface";
import { serviceNames } from "../../stacks";
import { type Capture } from "../../tools/capture/capture";
import { capture, type Json, ofKind, one, projectDir, shippedStacks, spec } from "../support/stacks";

const ingress = "cluster.local/ns/istio-ingress/sa/istio-ingressgateway";
const concrete = (routePath: string) => routePath.replace(/:[A-Za-z]+/g, "x1");

/** Whether an edge VirtualService match takes this request (regexes match the whole path, as Envoy's do). */
function edgeMatches(vs: Json, method: string, requestPath: string): boolean {
    return vs.http.some((route: Json) =>
        route.match.some((match: Json) => {
            const methodOk = match.method.exact ? match.method.exact === method : new RegExp(`^(?:${match.method.regex})$`).test(method);
            return methodOk && new RegExp(`^(?:${match.uri.regex})$`).test(requestPath);
        }),
    );
}

for (const stack of shippedStacks) {
    describe(`zero trust objects (${stack})`, () => {
        let c: Capture;
        before(async () => {
            c = await capture(stack);
        });

        it("routes every public and customer operation at the edge, and no internal one", () => {
            const vs = spec(one(c, "networking.istio.io/v1:VirtualService", "ecommerce-gateway"));
            for (const route of apiRoutes) {
                const routed = edgeMatches(vs, route.method, concrete(route.path));
                expect(routed, `${route.method} ${route.path} (${route.class})`).to.equal(route.class !== "internal");
            }
            expect(vs.http.map((route: Json) => route.name)).to.not.include.members(["payment-default"]);
            expect(vs.http.every((route: Json) => route.match.length > 0)).to.equal(true);
        });

        it("admits each caller on exactly the operations it makes, and the ingress only on edge routes", () => {
            for (const service of serviceNames) {
                const policy = spec(one(c, "security.istio.io/v1:AuthorizationPolicy", service));
                expect(policy.action).to.equal("ALLOW");
                const admitted = new Map<string, string[]>();
                for (const rule of policy.rules) {
                    const [principal] = rule.from[0].source.principals;
                    admitted.set(principal, rule.to.map((to: Json) => `${to.operation.methods.join(",")} ${to.operation.paths.join(",")}`));
                }
                const expected = new Map<string, string[]>();
                const edge = apiRoutes.filter((r) => r.service === service && r.class !== "internal");
                if (edge.length) expected.set(ingress, edge.map((r) => `${routeMethods(r).join(",")} ${operationPath(r)}`));
                for (const caller of serviceNames) {
                    const calls = callsOf(caller).filter((r) => r.service === service);
                    if (calls.length) expected.set(`cluster.local/ns/ecommerce/sa/${caller}`, calls.map((r) => `${routeMethods(r).join(",")} ${operationPath(r)}`));
                }
                expect(Object.fromEntries(admitted), service).to.deep.equal(Object.fromEntries(expected));
            }
            // The examples, spelled out.
            const payment = spec(one(c, "security.istio.io/v1:AuthorizationPolicy", "payment")).rules;
            expect(payment).to.deep.equal([{ from: [{ source: { principals: ["cluster.local/ns/ecommerce/sa/order"] } }], to: [{ operation: { methods: ["POST"], paths: ["/api/payments"] } }, { operation: { methods: ["POST"], paths: ["/api/payments/refunds"] } }] }]);
            const product = spec(one(c, "security.istio.io/v1:AuthorizationPolicy", "product")).rules;
            expect(product.find((r: Json) => r.from[0].source.principals[0].endsWith("/sa/cart")).to).to.deep.equal([{ operation: { methods: ["GET", "HEAD"], paths: ["/api/products/{*}"] } }]);
        });

        it("lets HEAD through wherever GET goes: edge route, gateway DENY without a token, service ALLOW (Istio matches :method exactly)", () => {
            const readme = readFileSync(path.join(projectDir, "docs", "security.md"), "utf8").replace(/\s+/g, " ");
            expect(readme).to.contain("A `GET` route answers `HEAD` too, and since Istio matches `:method` exactly");
            const vs = spec(one(c, "networking.istio.io/v1:VirtualService", "ecommerce-gateway"));
            const deny = spec(one(c, "security.istio.io/v1:AuthorizationPolicy", "ecommerce-gateway-require-customer-token"));
            const takes = (operation: Json, method: string, requestPath: string) => operation.methods.includes(method) && operation.paths.some((p: string) => istioPathRegex(p).test(requestPath));
            for (const route of apiRoutes.filter((r) => r.method === "GET" && r.class !== "internal")) {
                const requestPath = concrete(route.path);
                expect(edgeMatches(vs, "HEAD", requestPath), `edge HEAD ${route.path}`).to.equal(true);
                const allow = spec(one(c, "security.istio.io/v1:AuthorizationPolicy", route.service)).rules.find((r: Json) => r.from[0].source.principals[0] === ingress);
                expect(allow.to.some((to: Json) => takes(to.operation, "HEAD", requestPath)), `ALLOW HEAD ${route.path}`).to.equal(true);
                const denied = deny.rules[0].to.some((to: Json) => takes(to.operation, "HEAD", requestPath));
                expect(denied, `DENY HEAD ${route.path} without a token`).to.equal(route.class === "customer");
            }
        });

        it("checks end-user tokens at the gateway from auth.*, passing the subject on in its own header", () => {
            const stackFile = parse(readFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8")).config["ecommerce-mesh:auth"];
            const auth = one(c, "security.istio.io/v1:RequestAuthentication", "ecommerce-gateway-end-user-jwt").inputs as Json;
            expect(auth.metadata.namespace).to.equal("istio-ingress");
            expect(auth.spec.selector).to.deep.equal({ matchLabels: { istio: "ingressgateway" } });
            expect(auth.spec.jwtRules).to.deep.equal([
                { issuer: stackFile.issuer, audiences: stackFile.audiences, jwksUri: stackFile.jwksUri, outputClaimToHeaders: [{ header: subjectHeader, claim: "sub" }], forwardOriginalToken: false },
            ]);
            const deny = spec(one(c, "security.istio.io/v1:AuthorizationPolicy", "ecommerce-gateway-require-customer-token"));
            expect(deny.action).to.equal("DENY");
            expect(deny.rules[0].from).to.deep.equal([{ source: { notRequestPrincipals: ["*"] } }]);
            expect(deny.rules[0].to.map((to: Json) => `${to.operation.methods[0]} ${to.operation.paths[0]}`)).to.have.members(
                apiRoutes.filter((r) => r.class === "customer").map((r) => `${r.method} ${operationPath(r)}`),
            );
        });

        it("answers the gateway's own refusals as JSON: 401 for a missing or bad token, 429, 404", () => {
            const replies = spec(one(c, "networking.istio.io/v1alpha3:EnvoyFilter", "ecommerce-gateway-edge-local-replies"));
            const mappers = replies.configPatches[0].patch.value.typed_config.local_reply_config.mappers;
            expect(mappers.map((m: Json) => [m.filter.status_code_filter.comparison.value.default_value, m.status_code ?? null, m.body_format_override.json_format.error])).to.deep.equal([
                [403, 401, "sign-in required"],
                [401, null, "sign-in required"],
                [429, null, "rate limit exceeded"],
                [404, null, "not found"],
            ]);
        });

        it("rate-limits each client address at the gateway with the stack's read and write budgets", () => {
            const filter = spec(one(c, "networking.istio.io/v1alpha3:EnvoyFilter", "ecommerce-gateway-edge-rate-limit"));
            expect(filter.workloadSelector).to.deep.equal({ labels: { istio: "ingressgateway" } });
            const [patch] = filter.configPatches;
            expect(patch.applyTo).to.equal("HTTP_FILTER");
            expect(patch.patch.operation).to.equal("INSERT_FIRST");
            const config = patch.patch.value.typed_config;
            expect(config.descriptors).to.deep.equal([
                { entries: [{ key: "budget", value: "read" }, { key: "remote_address" }], token_bucket: { max_tokens: 600, tokens_per_fill: 600, fill_interval: "60s" } },
                { entries: [{ key: "budget", value: "write" }, { key: "remote_address" }], token_bucket: { max_tokens: 120, tokens_per_fill: 120, fill_interval: "60s" } },
            ]);
            expect(config.response_headers_to_add[0].header).to.deep.equal({ key: "retry-after", value: "60" });
        });
    });
}

describe("zero trust config", () => {
    it("follows rateLimit.* and leaves the limit out when it is disabled", async () => {
        const tuned = await capture("prod", "rateLimit.read=50", "rateLimit.write=5", "rateLimit.interval=10s");
        const config = spec(one(tuned, "networking.istio.io/v1alpha3:EnvoyFilter", "ecommerce-gateway-edge-rate-limit")).configPatches[0].patch.value.typed_config;
        expect(config.descriptors.map((d: Json) => d.token_bucket)).to.deep.equal([
            { max_tokens: 50, tokens_per_fill: 50, fill_interval: "10s" },
            { max_tokens: 5, tokens_per_fill: 5, fill_interval: "10s" },
        ]);
        const off = await capture("prod", "rateLimit.enabled=false");
        expect(ofKind(off, "networking.istio.io/v1alpha3:EnvoyFilter").map((r) => r.name)).to.deep.equal(["ecommerce-gateway-edge-local-replies"]);
    });

    it("takes inline jwks instead of a jwksUri", async () => {
        const jwks = JSON.stringify({ keys: [{ kty: "EC", crv: "P-256", x: "a", y: "b" }] });
        const inline = await capture("local", "auth.jwksUri=null", `auth.jwks=${jwks}`);
        const [rule] = spec(one(inline, "security.istio.io/v1:RequestAuthentication", "ecommerce-gateway-end-user-jwt")).jwtRules;
        expect(rule.jwks).to.equal(jwks);
        expect(rule).to.not.have.property("jwksUri");
    });

    it("points the local stack at the development issuer that npm run dev and npm run token use", () => {
        const local = parse(readFileSync(path.join(projectDir, "Pulumi.local.yaml"), "utf8")).config["ecommerce-mesh:auth"];
        expect(local).to.include({ issuer: devIssuerName, jwksUri: "http://host.docker.internal:8080/.well-known/jwks.json" });
        expect(local.audiences).to.deep.equal([devAudience]);
    });
});
