import { RunError } from "@pulumi/pulumi";
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { firstRoute } from "../../policies/lib/routeMatch";
import { type Capture } from "../../tools/capture/capture";
import { maskSecrets } from "../../tools/render/model";
import { capture, type Json, ofKind, one, spec } from "../support/stacks";

const inputs = (r: { inputs: unknown }): Json => r.inputs;

describe("AKS and ACR (prod)", () => {
    let c: Capture;
    before(async () => {
        c = await capture("prod");
    });

    it("grants cluster admin to a service principal when CI deploys", async () => {
        const ci = await capture("prod", "cluster.deployerPrincipalType=ServicePrincipal");
        expect(inputs(one(ci, "azure-native:authorization:RoleAssignment", "aks-deployer-admin")).principalType).to.equal("ServicePrincipal");
    });

    it("creates AKS with Entra ID + Azure RBAC, no local accounts, workload identity and Cilium network policy", () => {
        const aks = inputs(one(c, "azure-native:containerservice:ManagedCluster", "aks"));
        expect(aks.kubernetesVersion).to.equal("1.36");
        expect(aks.aadProfile).to.deep.equal({ managed: true, enableAzureRBAC: true, adminGroupObjectIDs: ["00000000-0000-0000-0000-000000000000"] });
        expect(aks.disableLocalAccounts).to.equal(true);
        expect(aks.oidcIssuerProfile).to.deep.equal({ enabled: true });
        expect(aks.securityProfile).to.deep.equal({ workloadIdentity: { enabled: true } });
        expect(aks.networkProfile).to.include({ networkPlugin: "azure", networkPluginMode: "overlay", networkPolicy: "cilium" });
    });

    it("runs Azure CNI powered by Cilium, whose socket LB docs/security.md shows AKS keeps out of pod namespaces", () => {
        expect(inputs(one(c, "azure-native:containerservice:ManagedCluster", "aks")).networkProfile.networkDataplane).to.equal("cilium");
        const readme = readFileSync(path.join(__dirname, "..", "..", "docs", "security.md"), "utf8").replace(/\s+/g, " ");
        expect(readme).to.contain('AKS\'s managed `cilium-config` sets `bpf-lb-sock: "false"` and `bpf-lb-sock-hostns-only: "true"`');
    });

    it("runs a tainted inline system pool and an autoscaling user pool, its own AgentPool resource, sized from config", () => {
        const [system, ...others] = inputs(one(c, "azure-native:containerservice:ManagedCluster", "aks")).agentPoolProfiles;
        expect(others).to.deep.equal([]);
        const user = inputs(one(c, "azure-native:containerservice:AgentPool", "aks-user"));
        expect(user).to.include({ resourceName: "ecommerce-mesh-prod", agentPoolName: "user" });
        expect(system).to.include({ mode: "System", count: 3, vmSize: "Standard_D4ds_v5" });
        expect(system.nodeTaints).to.deep.equal(["CriticalAddonsOnly=true:NoSchedule"]);
        expect(user).to.include({ mode: "User", enableAutoScaling: true, minCount: 3, maxCount: 12, vmSize: "Standard_D8ds_v5" });
        expect(system.availabilityZones).to.deep.equal(["1", "2", "3"]);
        expect(user.availabilityZones).to.deep.equal(["1", "2", "3"]);
    });

    it("keeps the ACR admin user off and lets the kubelet pull with AcrPull", () => {
        const registry = one(c, "azure-native:containerregistry:Registry", "registry");
        expect(inputs(registry)).to.include({ registryName: "ecommercemeshprod", adminUserEnabled: false });
        expect(inputs(registry).sku).to.deep.equal({ name: "Premium" });
        const pull = inputs(one(c, "azure-native:authorization:RoleAssignment", "aks-acr-pull"));
        expect(pull.scope).to.equal(registry.id);
        expect(pull.principalType).to.equal("ServicePrincipal");
        expect(pull.roleDefinitionId).to.match(/\/roleDefinitions\/7f951dda-4ed3-4680-a7ca-43fe172d538d$/);
    });

    it("grants the deployer AKS RBAC Cluster Admin and points kubelogin at the Azure CLI session", () => {
        const admin = inputs(one(c, "azure-native:authorization:RoleAssignment", "aks-deployer-admin"));
        expect(admin.roleDefinitionId).to.match(/\/roleDefinitions\/b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b$/);
        expect(admin.principalType).to.equal("User");
        const provider = inputs(one(c, "pulumi:providers:kubernetes", "aks"));
        expect(provider.kubeconfig).to.match(/--login\n\s+- azurecli/);
        expect(c.outputs.kubeconfig).to.equal("[secret]");
        expect(c.outputs.registryLoginServer).to.equal("ecommercemeshprod.azurecr.io");
        expect(c.outputs.clusterName).to.equal("ecommerce-mesh-prod");
    });
});

describe("Istio install", () => {
    let c: Capture;
    before(async () => {
        c = await capture("prod");
    });

    it("installs base → istiod → gateway at the pinned 1.31.1 from Istio's new chart repository", () => {
        const release = (name: string) => one(c, "helm.sh/v3:Release", name);
        for (const [name, chart] of [["istio-base", "base"], ["istiod", "istiod"], ["istio-ingressgateway", "gateway"]]) {
            expect(inputs(release(name))).to.include({ chart, version: "1.31.1" });
            expect(inputs(release(name)).repositoryOpts).to.deep.equal({ repo: "https://blob.istio.io/istio-release/charts" });
        }
        expect(release("istiod").dependencies).to.include(release("istio-base").urn);
        expect(release("istio-ingressgateway").dependencies).to.include(release("istiod").urn);
        expect(inputs(release("istio-ingressgateway")).values).to.deep.include({ replicaCount: 3, service: { type: "LoadBalancer", externalTrafficPolicy: "Local" }, podDisruptionBudget: { maxUnavailable: 1 } });
        expect(inputs(release("istiod")).values.meshConfig).to.include({ accessLogFile: "/dev/stdout" });
        expect(inputs(release("istiod")).values).to.deep.include({ autoscaleMin: 2, global: { hub: "docker.io/istio", proxy: { seccompProfile: { type: "RuntimeDefault" } } } });
    });

    it("sets outlierDetection.minHealthPercent on every DestinationRule, where Istio 1.31 keeps its pre-1.31 endpoint handling", () => {
        const rules = ofKind(c, "networking.istio.io/v1:DestinationRule");
        expect(rules).to.have.length(8);
        for (const rule of rules) {
            expect(spec(rule).trafficPolicy.outlierDetection.minHealthPercent, rule.name).to.be.a("number").and.greaterThan(0);
        }
    });

    it("takes the charts from an OCI registry when istio.chartRepository is oci://", async () => {
        const oci = await capture("prod", "istio.chartRepository=oci://ghcr.io/istio/release/charts");
        const gateway = inputs(one(oci, "helm.sh/v3:Release", "istio-ingressgateway"));
        expect(gateway).to.include({ chart: "oci://ghcr.io/istio/release/charts/gateway", version: "1.31.1" });
        expect(gateway.repositoryOpts).to.equal(undefined);
    });

    it("makes every workload and mesh object wait for istiod", () => {
        const istiod = one(c, "helm.sh/v3:Release", "istiod").urn;
        for (const kind of ["apps/v1:Deployment", "networking.istio.io/v1:VirtualService", "networking.istio.io/v1:DestinationRule", "networking.istio.io/v1:Gateway"]) {
            for (const resource of ofKind(c, kind)) {
                expect(resource.dependencies, `${kind} ${resource.name}`).to.include(istiod);
            }
        }
    });

    it("enforces STRICT mTLS mesh-wide and samples traces as configured", () => {
        const peer = inputs(one(c, "security.istio.io/v1:PeerAuthentication", "mesh-mtls"));
        expect(peer.metadata).to.deep.equal({ name: "default", namespace: "istio-system" });
        expect(peer.spec).to.deep.equal({ mtls: { mode: "STRICT" } });
        expect(spec(one(c, "telemetry.istio.io/v1:Telemetry", "mesh-telemetry")).tracing[0].randomSamplingPercentage).to.equal(1);
    });

    it("follows the mtls key", async () => {
        const permissive = await capture("prod", "mtls=PERMISSIVE");
        expect(spec(one(permissive, "security.istio.io/v1:PeerAuthentication", "mesh-mtls"))).to.deep.equal({ mtls: { mode: "PERMISSIVE" } });
    });
});

describe("MeshService", () => {
    let prod: Capture;
    let dev: Capture;
    before(async () => {
        prod = await capture("prod");
        dev = await capture("dev");
    });

    it("runs at least two replicas of every version in prod, and hands the count to the HPA where autoscaling is on", () => {
        const hpas = new Map(ofKind(prod, "autoscaling/v2:HorizontalPodAutoscaler").map((h) => [h.name, spec(h)]));
        expect([...hpas.keys()].sort()).to.deep.equal(["cart-v1", "order-v1", "product-v1", "product-v2"]);
        for (const deployment of ofKind(prod, "apps/v1:Deployment")) {
            const hpa = hpas.get(deployment.name);
            if (hpa) {
                expect(spec(deployment).replicas, deployment.name).to.equal(undefined);
                expect(hpa.minReplicas).to.be.at.least(2);
                expect(hpa.scaleTargetRef).to.deep.equal({ apiVersion: "apps/v1", kind: "Deployment", name: deployment.name });
            } else {
                expect(spec(deployment).replicas, deployment.name).to.be.at.least(2);
            }
        }
        for (const pdb of ofKind(prod, "policy/v1:PodDisruptionBudget")) {
            expect(spec(pdb).maxUnavailable).to.equal(1);
        }
    });

    it("wires the env contract: identity, database Secret and the URLs of the services it calls", () => {
        const [container] = spec(one(prod, "apps/v1:Deployment", "order-v1")).template.spec.containers;
        const env = Object.fromEntries(container.env.map((e: Json) => [e.name, e.value ?? e.valueFrom]));
        expect(env).to.deep.include({
            SERVICE_NAME: "order",
            SERVICE_VERSION: "v1",
            PORT: "8080",
            // prod's Flexible Server: order logs in as its own role, from its own key of the Secret
            DATABASE_URL: { secretKeyRef: { name: "ecommerce-db", key: "DATABASE_URL_ORDER" } },
            DATABASE_POOL_MAX: "5",
            INVENTORY_URL: "http://inventory.ecommerce.svc.cluster.local",
            PAYMENT_URL: "http://payment.ecommerce.svc.cluster.local",
            DOWNSTREAM_TIMEOUT_MS: "60000", // the longest route timeout a stack may set: the mesh always answers first
        });
        const [product] = spec(one(prod, "apps/v1:Deployment", "product-v1")).template.spec.containers;
        expect(product.env.map((e: Json) => e.name)).to.not.include("DOWNSTREAM_TIMEOUT_MS");
        expect(container.image).to.equal(`ecommercemeshprod.azurecr.io/order:0.1.0@sha256:${"0".repeat(64)}`); // images.build: the ref the push returns
        const [v2] = spec(one(prod, "apps/v1:Deployment", "product-v2")).template.spec.containers;
        expect(v2.image).to.equal(`ecommercemeshprod.azurecr.io/product:0.1.0@sha256:${"0".repeat(64)}`);
        expect(v2.env.find((e: Json) => e.name === "SERVICE_VERSION").value).to.equal("v2");
    });

    it("lets only the edge and the services that call it through its AuthorizationPolicy, each on its own operations", () => {
        const rules = spec(one(prod, "security.istio.io/v1:AuthorizationPolicy", "inventory")).rules;
        const operations = (to: Json[]) => to.map((t: Json) => `${t.operation.methods[0]} ${t.operation.paths[0]}`);
        expect(rules.map((rule: Json) => [rule.from[0].source.principals[0], operations(rule.to)])).to.deep.equal([
            ["cluster.local/ns/istio-ingress/sa/istio-ingressgateway", ["GET /api/inventory/{*}"]],
            ["cluster.local/ns/ecommerce/sa/cart", ["GET /api/inventory/{*}"]],
            ["cluster.local/ns/ecommerce/sa/order", ["POST /api/inventory/reservations", "DELETE /api/inventory/reservations/{*}", "POST /api/inventory/reservations/{*}/consume"]],
        ]);
    });

    it("configures the DestinationRule from config: ISTIO_MUTUAL, pool, outlier detection, a subset per version", () => {
        const dr = spec(one(prod, "networking.istio.io/v1:DestinationRule", "product"));
        expect(dr.host).to.equal("product.ecommerce.svc.cluster.local");
        expect(dr.subsets).to.deep.equal([{ name: "v1", labels: { version: "v1" } }, { name: "v2", labels: { version: "v2" } }]);
        expect(dr.trafficPolicy.tls).to.deep.equal({ mode: "ISTIO_MUTUAL" });
        expect(dr.trafficPolicy.outlierDetection).to.deep.equal({ consecutive5xxErrors: 5, interval: "30s", baseEjectionTime: "30s", maxEjectionPercent: 50, minHealthPercent: 50 });
        expect(dr.trafficPolicy.connectionPool.http).to.deep.equal({ http1MaxPendingRequests: 1024, http2MaxRequests: 1024 });
    });

    it("injects faults only in dev, for mesh callers, on their own header-matched route without retries", () => {
        const all = (c: Capture) => ofKind(c, "networking.istio.io/v1:VirtualService").flatMap((vs) => spec(vs).http);
        expect(all(prod).filter((r: Json) => r.fault)).to.deep.equal([]);
        const faulty = all(dev).filter((r: Json) => r.fault);
        expect(faulty.map((r: Json) => r.name)).to.deep.equal(["product-fault-injection"]);
        expect(spec(one(dev, "networking.istio.io/v1:VirtualService", "product")).http.map((r: Json) => r.name)).to.include("product-fault-injection");
        for (const route of faulty) {
            expect(route.retries).to.deep.equal({ attempts: 0 });
            expect(route.fault).to.deep.equal({ delay: { percentage: { value: 100 }, fixedDelay: "2s" } });
            expect(route.match[0].headers).to.deep.equal({ "x-fault-inject": { exact: "true" } });
        }
    });

    it("strips the fault header on every edge route: no client outside the mesh can ask for a delay, through any service (beside the HSTS the gateway adds)", () => {
        const edge = spec(one(dev, "networking.istio.io/v1:VirtualService", "ecommerce-gateway")).http;
        expect(edge.length).to.be.greaterThan(10);
        for (const route of edge) {
            expect(route.fault, route.name).to.equal(undefined);
            expect(route.headers, route.name).to.deep.equal({
                request: { remove: ["x-fault-inject"] },
                response: { set: { "strict-transport-security": "max-age=63072000; includeSubDomains" } },
            });
        }
        // With the header, a request through the gateway takes a route without a fault.
        const picked = firstRoute({ http: edge }, { method: "GET", path: "/api/products/1", headers: { "x-fault-inject": "true" } });
        expect(picked?.route.fault).to.equal(undefined);
    });
});

describe("EdgeGateway", () => {
    it("serves plain HTTP on port 80 only when TLS terminates in front of it, and names that front end", async () => {
        const c = await capture("dev", "edge.allowPlaintextHttp=true", "edge.tlsTerminatedBy=Azure Front Door");
        const gateway = one(c, "networking.istio.io/v1:Gateway", "ecommerce-gateway");
        expect(spec(gateway)).to.deep.equal({
            selector: { istio: "ingressgateway" },
            servers: [{ port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["shop-dev.example.com"] }],
        });
        expect((gateway.inputs as Json).metadata.annotations).to.deep.equal({ "ecommerce-mesh.io/tls-terminated-by": "Azure Front Door" });
        // No HSTS when the gateway itself speaks HTTP; only the fault header is still stripped.
        expect(spec(one(c, "networking.istio.io/v1:VirtualService", "ecommerce-gateway")).http.filter((r: Json) => r.headers?.response)).to.deep.equal([]);
        expect(ofKind(c, "cert-manager.io/v1:Certificate")).to.deep.equal([]);
    });

    it("terminates TLS on 443 at the configured minimum and redirects 80, for the hosts of edge.domain", async () => {
        const c = await capture("prod", "istio.ingress.tlsCredentialName=shop-tls", "edge.minTlsVersion=TLSV1_3");
        const { servers } = spec(one(c, "networking.istio.io/v1:Gateway", "ecommerce-gateway"));
        expect(servers).to.deep.equal([
            { port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["shop.example.com"], tls: { httpsRedirect: true } },
            { port: { number: 443, name: "https", protocol: "HTTPS" }, hosts: ["shop.example.com"], tls: { mode: "SIMPLE", credentialName: "shop-tls", minProtocolVersion: "TLSV1_3" } },
        ]);
        expect(spec(one(c, "networking.istio.io/v1:VirtualService", "ecommerce-gateway")).hosts).to.deep.equal(["shop.example.com"]);
    });

    it("sets Strict-Transport-Security with edge.hstsMaxAge on every edge route", async () => {
        const { http } = spec(one(await capture("prod", "edge.hstsMaxAge=31536000"), "networking.istio.io/v1:VirtualService", "ecommerce-gateway"));
        expect(http).to.not.be.empty;
        for (const route of http) {
            expect(route.headers, route.name).to.deep.equal({ response: { set: { "strict-transport-security": "max-age=31536000; includeSubDomains" } } });
        }
    });
});

describe("the local stack", () => {
    let c: Capture;
    before(async () => {
        c = await capture("local");
    });

    it("creates nothing on Azure and deploys into the kubeconfig context", () => {
        expect(c.resources.filter((r) => r.type.startsWith("azure-native:"))).to.deep.equal([]);
        expect(inputs(one(c, "pulumi:providers:kubernetes", "existing-cluster")).context).to.equal("kind-ecommerce");
        expect(spec(one(c, "apps/v1:Deployment", "cart-v1")).template.spec.containers[0].image).to.equal("localhost:5001/cart:0.1.0");
    });

    it("fills the Secret the pods read from the CloudNativePG operator's generated credentials", () => {
        const secret = one(c, "core/v1:Secret", "database");
        expect(inputs(secret).metadata).to.include({ name: "ecommerce-db", namespace: "ecommerce" });
        expect(inputs(secret).stringData.DATABASE_URL).to.equal("postgresql://ecommerce:offline-password@ecommerce-pg-rw.ecommerce-data:5432/ecommerce");
        expect(JSON.stringify(maskSecrets(secret.markedInputs))).to.not.contain("offline-password");
    });
});

describe("images.build", () => {
    it("builds and pushes every service into the ACR with an exchanged token and deploys by digest", async () => {
        const c = await capture("dev", "images.build=true");
        const images = ofKind(c, "docker-build:index:Image");
        expect(images.map((i) => i.name).sort()).to.deep.equal(["cart", "inventory", "notification", "order", "payment", "product", "shipping", "user"].map((s) => `images-${s}`));
        const cart = inputs(images.find((i) => i.name === "images-cart")!);
        expect(cart.tags).to.deep.equal(["ecommercemeshdev.azurecr.io/cart:0.1.0"]);
        expect(cart.buildArgs).to.deep.equal({ SERVICE: "cart", VERSION: "0.1.0" });
        expect(cart.registries[0]).to.include({ address: "ecommercemeshdev.azurecr.io", username: "00000000-0000-0000-0000-000000000000" });
        const push = inputs(one(c, "azure-native:authorization:RoleAssignment", "images-acr-push"));
        expect(push.scope).to.equal(one(c, "azure-native:containerregistry:Registry", "registry").id);
        expect(push.roleDefinitionId).to.match(/\/roleDefinitions\/8311e382-0749-4cb8-b61a-304f252e45ec$/);
        const image = spec(one(c, "apps/v1:Deployment", "cart-v1")).template.spec.containers[0].image;
        expect(image).to.match(/^ecommercemeshdev\.azurecr\.io\/cart:0\.1\.0@sha256:[0-9a-f]{64}$/);
    });
});

describe("a bad stack config", () => {
    it("stops the program with the config error's own lines and no stack trace", async () => {
        let message = "";
        try {
            await capture("prod", "services.product.canary.weight=110");
        } catch (error) {
            expect(RunError.isInstance(error), "a RunError, which Pulumi prints without a stack trace").to.equal(true);
            message = (error as Error).message;
        }
        expect(message).to.include("ecommerce-mesh:services.product.canary.weight: 110 is not an integer from 0 to 100");
    });
});
