import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { type Capture } from "../../tools/capture/capture";
import { firstRoute, routeTakes } from "../../policies/lib/routeMatch";
import { apiRoutes, atEdge, retrySafe } from "../../services/src/runtime/api-surface";
import { capture, type Json, ofKind, one, projectDir, shippedStacks, spec } from "../support/stacks";

const serviceNames = ["product", "cart", "order", "payment", "user", "inventory", "shipping", "notification"];
const deploymentNames = ["product-v1", "product-v2", ...serviceNames.slice(1).map((s) => `${s}-v1`)];

const names = (c: Capture, kind: string) => ofKind(c, kind).map((r) => r.name).sort();
const routesOf = (vs: Json): Json[] => vs.http;
const takes = (route: Json, method: string, path: string) => routeTakes({ match: (route.match ?? []).map((m: Json) => ({ ...m, headers: undefined })) }, { method, path });
const weightsBySubset = (route: Json) => Object.fromEntries(route.route.map((d: Json) => [d.destination.subset, d.weight]));

describe("the program, per shipped stack", () => {
    for (const stack of shippedStacks) {
        describe(`Pulumi.${stack}.yaml`, () => {
            let c: Capture;
            before(async () => {
                c = await capture(stack);
            });

            it("creates every service's Kubernetes and mesh objects", () => {
                expect(names(c, "apps/v1:Deployment")).to.deep.equal([...deploymentNames].sort());
                expect(names(c, "policy/v1:PodDisruptionBudget")).to.deep.equal([...deploymentNames].sort());
                expect(names(c, "core/v1:ServiceAccount")).to.deep.equal([...serviceNames].sort());
                expect(names(c, "networking.istio.io/v1:DestinationRule")).to.deep.equal([...serviceNames].sort());
                expect(names(c, "security.istio.io/v1:AuthorizationPolicy")).to.deep.equal([...serviceNames, "ecommerce-gateway-require-customer-token"].sort());
                expect(names(c, "security.istio.io/v1:RequestAuthentication")).to.deep.equal(["ecommerce-gateway-end-user-jwt"]);
                expect(names(c, "networking.istio.io/v1:VirtualService")).to.deep.equal([...serviceNames, "ecommerce-gateway"].sort());
                expect(names(c, "networking.istio.io/v1:Gateway")).to.deep.equal(["ecommerce-gateway"]);
                // local runs its PostgreSQL in the cluster: CloudNativePG's operator and a data namespace
                const inCluster = stack === "local";
                expect(names(c, "core/v1:Namespace")).to.deep.equal(["cert-manager", ...(inCluster ? ["database-data", "database-operator"] : []), "ecommerce", "istio-ingress", "istio-system", "observability"]);
                expect(names(c, "helm.sh/v3:Release")).to.deep.equal(["cert-manager", ...(inCluster ? ["database-operator"] : []), "istio-base", "istio-ingressgateway", "istiod", "jaeger", "kiali", "kube-prometheus-stack", "otel-collector"]);
                const created = ofKind(c, "core/v1:Service").filter((s) => !s.readId);
                expect(created.map((s) => s.name).sort()).to.deep.equal([...serviceNames].sort());
            });

            it("sends the version header to its subset before the weighted route, in the mesh and at the edge", () => {
                const vs = spec(one(c, "networking.istio.io/v1:VirtualService", "product"));
                const edge = spec(one(c, "networking.istio.io/v1:VirtualService", "ecommerce-gateway"));
                const edgeProduct = routesOf(edge).filter((r) => r.name.startsWith("product-"));
                for (const all of [routesOf(vs), edgeProduct]) {
                    // After the routes only v2 serves (ratings), which no header moves onto v1.
                    expect(all.slice(0, 2).map((r: Json) => r.name)).to.deep.equal(["product-v2-only", "product-v2-only-writes"]);
                    const routes = all.slice(2);
                    expect(routes[0].match[0].headers).to.deep.equal({ "x-version": { exact: "v1" } });
                    expect(routes[0].route).to.have.length(1);
                    expect(routes[0].route[0].destination.subset).to.equal("v1");
                    expect(routes[1].match[0].headers).to.deep.equal({ "x-version": { exact: "v2" } });
                    expect(routes[1].route[0].destination.subset).to.equal("v2");
                    const weighted = routes.findIndex((r) => r.route.length === 2);
                    expect(weighted).to.be.greaterThan(1);
                }
            });

            it("gives every route weights that sum to 100 and only subsets its DestinationRule defines", () => {
                const subsetsByHost = new Map<string, string[]>(
                    ofKind(c, "networking.istio.io/v1:DestinationRule").map((dr) => [spec(dr).host, spec(dr).subsets.map((s: Json) => s.name)]),
                );
                for (const vs of ofKind(c, "networking.istio.io/v1:VirtualService")) {
                    for (const route of routesOf(spec(vs))) {
                        const total = route.route.reduce((sum: number, d: Json) => sum + d.weight, 0);
                        expect(total, `${vs.name}/${route.name}`).to.equal(100);
                        for (const { destination } of route.route) {
                            expect(subsetsByHost.get(destination.host), `${vs.name}/${route.name} → ${destination.host}`).to.include(destination.subset);
                        }
                    }
                }
            });

            it("splits product at the edge exactly as in the mesh", () => {
                const mesh = routesOf(spec(one(c, "networking.istio.io/v1:VirtualService", "product"))).find((r) => r.name === "product-default");
                // At the edge product's only write is served-only (ratings, v2), so its reads route carries the split.
                const edge = routesOf(spec(one(c, "networking.istio.io/v1:VirtualService", "ecommerce-gateway"))).find((r) => r.name === "product-reads");
                expect(edge.match).to.deep.equal([{ uri: { regex: "(?:/api/products|/api/products/[^/]+|/api/products/[^/]+/ratings)" }, method: { regex: "GET|HEAD" } }]);
                expect(weightsBySubset(edge)).to.deep.equal(weightsBySubset(mesh));
                expect(c.outputs.canaryWeights).to.have.property("product").that.deep.equals(weightsBySubset(mesh));
            });

            it("routes each edge path of the gateway to its service, and payment not at all", () => {
                const edge = spec(one(c, "networking.istio.io/v1:VirtualService", "ecommerce-gateway"));
                const services = new Map<string, string>();
                for (const route of routesOf(edge)) {
                    for (const match of route.match) services.set(/\/api\/([a-z]+)/.exec(match.uri.regex)![1], route.route[0].destination.host.split(".")[0]);
                }
                expect(Object.fromEntries(services)).to.deep.equal({
                    products: "product", cart: "cart", orders: "order", users: "user", inventory: "inventory", shipments: "shipping", notifications: "notification",
                });
                expect(edge.gateways).to.deep.equal(["ecommerce/ecommerce-gateway"]);
            });

            it("never retries a write to orders or payments on 5xx", () => {
                for (const vsName of ["order", "payment", "ecommerce-gateway"]) {
                    const routes = routesOf(spec(one(c, "networking.istio.io/v1:VirtualService", vsName)))
                        .filter((r) => r.name.startsWith("order-") || r.name.startsWith("payment-"))
                        // Routes that can take a write: no method match, or one that is not the reads regex.
                        .filter((r) => !r.match || r.match.some((m: Json) => !m.method || !/^GET\|HEAD/.test(m.method.regex ?? "")));
                    expect(routes.length, vsName).to.be.greaterThan(0);
                    for (const route of routes) {
                        expect(route.retries.retryOn ?? "", `${vsName}/${route.name}`).to.not.match(/5xx|reset|gateway-error/);
                    }
                }
                const reads = routesOf(spec(one(c, "networking.istio.io/v1:VirtualService", "order"))).find((r) => r.name === "order-reads");
                expect(reads.match[0].method).to.deep.equal({ regex: "GET|HEAD|OPTIONS" });
                expect(reads.retries.retryOn).to.equal("5xx,reset,connect-failure");
            });

            it("sends every API route only to versions that serve it, whatever the weight or the version header (ratings: v2)", () => {
                const edge = spec(one(c, "networking.istio.io/v1:VirtualService", "ecommerce-gateway"));
                const servedBy = (route: (typeof apiRoutes)[number]) => route.versions ?? ["v1", "v2"];
                for (const route of apiRoutes) {
                    const path = route.path.replace(/:[A-Za-z]+/g, "1");
                    const mesh = spec(one(c, "networking.istio.io/v1:VirtualService", route.service));
                    for (const headers of [{}, { "x-version": "v1" }, { "x-version": "v2" }] as Record<string, string>[]) {
                        for (const [where, vs] of [["mesh", mesh], ...(atEdge(route) ? [["edge", edge]] : [])]) {
                            const picked = firstRoute(vs, { method: route.method, path, headers });
                            const subsets = (picked?.route.route ?? []).filter((d: Json) => d.weight > 0).map((d: Json) => d.destination.subset);
                            expect(subsets.length, `${where} ${route.method} ${route.path} ${JSON.stringify(headers)}`).to.be.greaterThan(0);
                            expect(servedBy(route), `${where} ${route.method} ${route.path} ${JSON.stringify(headers)} → ${subsets}`).to.include.members(subsets);
                        }
                    }
                }
            });

            it("retries no write the API surface marks not idempotent on an error that may have reached the app", () => {
                const edge = spec(one(c, "networking.istio.io/v1:VirtualService", "ecommerce-gateway"));
                const unsafe = apiRoutes.filter((route) => !retrySafe(route));
                expect(unsafe.map((r) => r.service)).to.include.members(["product", "cart"]);
                for (const route of unsafe) {
                    const path = route.path.replace(/:[A-Za-z]+/g, "1");
                    const mesh = spec(one(c, "networking.istio.io/v1:VirtualService", route.service));
                    const taking = [...routesOf(mesh), ...(atEdge(route) ? routesOf(edge) : [])].filter((r: Json) => r.route[0].destination.host.startsWith(`${route.service}.`) && takes(r, route.method, path));
                    expect(taking.length, `${route.method} ${route.path}`).to.be.greaterThan(0);
                    for (const r of taking) expect(r.retries.retryOn ?? "", `${r.name} for ${route.method} ${route.path}`).to.not.match(/5xx|reset|gateway-error/);
                }
            });

            it("runs every pod as a restricted, probed, sidecar-injected workload", () => {
                expect(one(c, "core/v1:Namespace", "ecommerce").inputs).to.have.nested.property("metadata.labels.istio-injection", "enabled");
                for (const deployment of ofKind(c, "apps/v1:Deployment")) {
                    const pod = spec(deployment).template.spec;
                    const [container] = pod.containers;
                    expect(pod.securityContext).to.include({ runAsNonRoot: true, runAsUser: 10001 });
                    expect(pod.securityContext.seccompProfile).to.deep.equal({ type: "RuntimeDefault" });
                    expect(container.securityContext).to.deep.include({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
                    expect(container.livenessProbe.httpGet.path).to.equal("/health/live");
                    expect(container.readinessProbe.httpGet.path).to.equal("/health/ready");
                    expect(container.startupProbe.httpGet.path).to.equal("/health/startup");
                    expect(container.resources.requests).to.have.keys("cpu", "memory");
                    expect(container.resources.limits).to.have.keys("cpu", "memory");
                    expect(spec(deployment).template.metadata.labels).to.include({ app: deployment.name.split("-")[0], version: deployment.name.split("-")[1] });
                }
            });
        });
    }
});

describe("a canary edit", () => {
    let before10: Capture;
    let after25: Capture;
    before(async () => {
        before10 = await capture("prod");
        after25 = await capture("prod", "services.product.canary.weight=25");
    });

    it("changes only the product VirtualService and the edge VirtualService", () => {
        const byKey = (c: Capture) => new Map(c.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]));
        const old = byKey(before10);
        const changed = [...byKey(after25)].filter(([urn, inputs]) => old.get(urn) !== inputs).map(([urn]) => urn.split("::").slice(-2).join("::"));
        expect(changed.sort()).to.deep.equal([
            "ecommerce:mesh:EdgeGateway$kubernetes:networking.istio.io/v1:VirtualService::ecommerce-gateway",
            "ecommerce:mesh:MeshService$kubernetes:networking.istio.io/v1:VirtualService::product",
        ]);
        expect([...old.keys()].sort()).to.deep.equal([...byKey(after25).keys()].sort());
    });

    it("moves 25% to v2 in the mesh, at the edge and in the outputs", () => {
        const product = routesOf(spec(one(after25, "networking.istio.io/v1:VirtualService", "product"))).find((r) => r.name === "product-default");
        expect(weightsBySubset(product)).to.deep.equal({ v1: 75, v2: 25 });
        const edge = routesOf(spec(one(after25, "networking.istio.io/v1:VirtualService", "ecommerce-gateway"))).find((r) => r.name === "product-reads");
        expect(weightsBySubset(edge)).to.deep.equal({ v1: 75, v2: 25 });
        expect((after25.outputs.canaryWeights as Json).product).to.deep.equal({ v1: 75, v2: 25 });
    });
});

describe("docs/deploying.md: a route only some versions serve", () => {
    it("says x-version: v1 on ratings gets v2, as the rendered routes do", async () => {
        const readme = readFileSync(path.join(projectDir, "docs", "deploying.md"), "utf8").replace(/\s+/g, " ");
        expect(readme).to.contain("so `x-version: v1` on ratings gets v2 rather than a 404");
        const edge = spec(one(await capture("prod"), "networking.istio.io/v1:VirtualService", "ecommerce-gateway"));
        const picked = firstRoute(edge, { method: "GET", path: "/api/products/1/ratings", headers: { "x-version": "v1" } });
        expect(picked?.route.route.map((d: Json) => d.destination.subset)).to.deep.equal(["v2"]);
    });
});
