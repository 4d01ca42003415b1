import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { serviceEntries } from "../../components/builders/perimeter";
import { type Capture } from "../../tools/capture/capture";
import { capture, type Json, ofKind, one, shippedStacks, spec } from "../support/stacks";

const policiesOf = (c: Capture) => Object.fromEntries(ofKind(c, "networking.k8s.io/v1:NetworkPolicy").map((np) => [np.name, spec(np)]));
const ns = (name: string, pods?: Record<string, string>) => ({
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } },
    ...(pods ? { podSelector: { matchLabels: pods } } : {}),
});
const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));

describe("the mesh perimeter, per shipped stack", () => {
    for (const stack of shippedStacks) {
        describe(`Pulumi.${stack}.yaml`, () => {
            let c: Capture;
            before(async () => {
                c = await capture(stack);
            });

            it("sends sidecars only to registered hosts (REGISTRY_ONLY)", () => {
                const istiod = one(c, "helm.sh/v3:Release", "istiod").inputs as Json;
                expect(istiod.values.meshConfig.outboundTrafficPolicy).to.deep.equal({ mode: "REGISTRY_ONLY" });
            });

            it("denies all traffic in the app namespace, then allows DNS, istiod, sidecar to sidecar, the ingress gateway and the observability namespace", () => {
                const policies = policiesOf(c);
                for (const np of ofKind(c, "networking.k8s.io/v1:NetworkPolicy")) {
                    expect((np.inputs as Json).metadata.namespace, np.name).to.equal("ecommerce");
                    expect(spec(np).podSelector, np.name).to.deep.equal({});
                }
                expect(policies["default-deny"]).to.deep.equal({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
                expect(policies["allow-dns"].egress).to.deep.equal([{ to: [ns("kube-system", { "k8s-app": "kube-dns" })], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }]);
                expect(policies["allow-istiod"].egress).to.deep.equal([{ to: [ns("istio-system", { app: "istiod" })], ports: tcp(15012) }]);
                expect(policies["allow-mesh"]).to.deep.equal({
                    podSelector: {},
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [{ from: [{ podSelector: {} }], ports: tcp(8080) }],
                    egress: [{ to: [{ podSelector: {} }], ports: tcp(8080) }],
                });
                expect(policies["allow-ingress-gateway"]).to.deep.equal({
                    podSelector: {},
                    policyTypes: ["Ingress"],
                    ingress: [{ from: [ns("istio-ingress", { istio: "ingressgateway" })], ports: tcp(8080) }],
                });
                expect(policies["allow-observability"].ingress).to.deep.equal([{ from: [ns("observability")], ports: tcp(15020, 15090, 8080) }]);
                expect(policies["allow-observability"].egress).to.deep.equal([{ to: [ns("observability")], ports: tcp(4317, 4318) }]);
            });

            it("lets the gateway's pods match the ingress allow", () => {
                const gateway = one(c, "helm.sh/v3:Release", "istio-ingressgateway").inputs as Json;
                expect(gateway.namespace).to.equal("istio-ingress");
                // The gateway chart labels its pods istio=<release name without the "istio-" prefix>.
                expect(policiesOf(c)["allow-ingress-gateway"].ingress[0].from[0].podSelector.matchLabels.istio).to.equal(gateway.name.replace(/^istio-/, ""));
            });
        });
    }

    it("admits the local CloudNativePG cluster's namespace on its port, with no ServiceEntry (its Service is in the registry)", async () => {
        const c = await capture("local");
        expect(ofKind(c, "networking.istio.io/v1:ServiceEntry").map((e) => e.name)).to.not.include("service-entry-database");
        expect(policiesOf(c)["allow-database"].egress).to.deep.equal([{ to: [ns("ecommerce-data")], ports: tcp(5432) }]);
        // Outside the mesh: the operator reaches the instances without mTLS.
        expect((one(c, "kubernetes:core/v1:Namespace", "database-data").inputs as Json).metadata.labels).to.not.have.property("istio-injection");
    });

    for (const [stack, server] of [["dev", "ecommercemeshdev-pg"], ["prod", "ecommercemeshprod-pg"]] as const) {
        it(`registers ${stack}'s Flexible Server by its FQDN and admits only its delegated subnet on 5432`, async () => {
            const c = await capture(stack);
            expect(spec(one(c, "networking.istio.io/v1:ServiceEntry", "service-entry-database"))).to.deep.equal({
                hosts: [`${server}.postgres.database.azure.com`],
                ports: [{ number: 5432, name: "tcp-postgres", protocol: "TCP" }],
                location: "MESH_EXTERNAL",
                resolution: "DNS",
                exportTo: ["."],
            });
            const subnet = c.resources.find((r) => r.type === "azure-native:network:Subnet" && r.name === "network-postgres");
            expect((subnet?.inputs as Json).addressPrefix).to.equal("10.20.16.0/24");
            expect(policiesOf(c)["allow-database"].egress).to.deep.equal([{ to: [{ ipBlock: { cidr: "10.20.16.0/24" } }], ports: tcp(5432) }]);
        });
    }

    it("registers an external database host name as a MESH_EXTERNAL ServiceEntry and allows its port", async () => {
        const c = await capture("dev", "database.provider=external", "database.url=postgres://shop:pw@db.example.com:5432/shop");
        expect(spec(one(c, "networking.istio.io/v1:ServiceEntry", "service-entry-database"))).to.deep.equal({
            hosts: ["db.example.com"],
            ports: [{ number: 5432, name: "tcp-postgres", protocol: "TCP" }],
            location: "MESH_EXTERNAL",
            resolution: "DNS",
            exportTo: ["."],
        });
        // A host name may resolve anywhere: the network layer pins the port, the sidecar the host.
        expect(policiesOf(c)["allow-database"].egress).to.deep.equal([{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: tcp(5432) }]);
    });

    it("pins an external database at an IP address to that address, in the ServiceEntry and the NetworkPolicy", async () => {
        const c = await capture("dev", "database.provider=external", "database.url=postgres://shop:pw@10.20.0.4:6432/shop");
        expect(spec(one(c, "networking.istio.io/v1:ServiceEntry", "service-entry-database"))).to.deep.include({
            addresses: ["10.20.0.4/32"],
            resolution: "STATIC",
            endpoints: [{ address: "10.20.0.4" }],
        });
        expect(policiesOf(c)["allow-database"].egress).to.deep.equal([{ to: [{ ipBlock: { cidr: "10.20.0.4/32" } }], ports: tcp(6432) }]);
    });

    it("needs no ServiceEntry for an external database URL naming a Service in the cluster, and allows its namespace", async () => {
        const c = await capture("dev", "database.provider=external", "database.url=postgres://shop:pw@shop-rw.data.svc.cluster.local:5432/shop");
        expect(ofKind(c, "networking.istio.io/v1:ServiceEntry").map((e) => e.name)).to.not.include("service-entry-database");
        expect(policiesOf(c)["allow-database"].egress).to.deep.equal([{ to: [ns("data")], ports: tcp(5432) }]);
    });

    it("has no database allow or entry for an external database with no URL (the Secret exists; the host is not the program's to know)", async () => {
        const c = await capture("dev", "database.provider=external");
        expect(Object.keys(policiesOf(c))).to.not.include("allow-database");
        expect(ofKind(c, "networking.istio.io/v1:ServiceEntry").map((e) => e.name)).to.not.include("service-entry-database");
    });

    for (const [stack, host, port] of [
        ["local", "host.docker.internal", { number: 8080, name: "http", protocol: "HTTP" }],
        ["dev", "ecommercemesh.ciamlogin.com", { number: 443, name: "tls", protocol: "TLS" }],
        ["prod", "ecommercemesh.ciamlogin.com", { number: 443, name: "tls", protocol: "TLS" }],
    ] as const) {
        it(`registers ${stack}'s auth.jwksUri host for the ingress gateway`, async () => {
            const c = await capture(stack);
            expect(spec(one(c, "networking.istio.io/v1:ServiceEntry", "service-entry-identity-provider"))).to.deep.equal({
                hosts: [host],
                ports: [port],
                location: "MESH_EXTERNAL",
                resolution: "DNS",
                exportTo: ["*"],
            });
        });
    }

    it("registers no identity provider when the keys are inline (auth.jwks)", async () => {
        const c = await capture("dev", "auth.jwksUri=null", 'auth.jwks={"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"k1","alg":"ES256","use":"sig"}]}');
        expect(ofKind(c, "networking.istio.io/v1:ServiceEntry").map((e) => e.name)).to.deep.equal(["service-entry-database"]);
    });

    it("registers the identity provider's JWKS host for the gateway, on the URL's port", () => {
        expect(serviceEntries(undefined, "https://shop.ciamlogin.com/tenant/discovery/v2.0/keys")).to.deep.equal([
            {
                name: "identity-provider",
                spec: { hosts: ["shop.ciamlogin.com"], ports: [{ number: 443, name: "tls", protocol: "TLS" }], location: "MESH_EXTERNAL", resolution: "DNS", exportTo: ["*"] },
            },
        ]);
        expect(serviceEntries(undefined, "http://issuer.dev:8443/jwks")[0].spec.ports).to.deep.equal([{ number: 8443, name: "http", protocol: "HTTP" }]);
        expect(serviceEntries(undefined, undefined)).to.deep.equal([]);
    });

    it("stops with the key and value when the collector or the database URL cannot be placed", async () => {
        const failure = async (...overrides: string[]) => capture("dev", ...overrides).then(() => "no error", (error: Error) => error.message);
        expect(await failure("istio.tracing.collector=otel-collector")).to.contain(
            'ecommerce-mesh:istio.tracing.collector: "otel-collector" is not a Service in observability.namespace (observability)',
        );
        expect(await failure("database.provider=external", "database.url=not a url")).to.contain("ecommerce-mesh:database.url: is not a connection URL");
    });
});

describe("README: the NetworkPolicy table", () => {
    const readme = readFileSync(path.join(__dirname, "..", "..", "docs", "security.md"), "utf8");
    const start = readme.indexOf("| NetworkPolicy | Direction | Peers | Ports |");
    const table = readme.slice(start, readme.indexOf("\n\n", start));

    const describePeer = (peer: Json) => {
        const parts: string[] = [];
        if (peer.namespaceSelector) {
            parts.push(`namespace \`${peer.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]}\``);
        }
        if (peer.podSelector && Object.keys(peer.podSelector).length) {
            parts.push(`pods ${Object.entries(peer.podSelector.matchLabels).map(([k, v]) => `\`${k}=${v}\``).join(", ")}`);
        }
        if (peer.podSelector && !peer.namespaceSelector && !Object.keys(peer.podSelector).length) {
            parts.push("every pod of the namespace");
        }
        return parts.join(", ");
    };
    const rows = (name: string, np: Json): string[] => {
        if (!np.ingress && !np.egress) {
            return [`| \`${name}\` | ${np.policyTypes.map((t: string) => t.toLowerCase()).join(", ")} | none | none |`];
        }
        return (["ingress", "egress"] as const).flatMap((direction) =>
            (np[direction] ?? []).map((rule: Json) => {
                const peers = (rule.from ?? rule.to).map(describePeer).join("; ");
                return `| \`${name}\` | ${direction} | ${peers} | ${rule.ports.map((p: Json) => `${p.protocol} ${p.port}`).join(", ")} |`;
            }),
        );
    };

    it("lists every allow of the prod objects with its peers and ports, and the database allow of every provider", async () => {
        const [prod, local] = [await capture("prod"), await capture("local")];
        const expected = Object.entries(policiesOf(prod))
            .filter(([name]) => name !== "allow-database")
            .flatMap(([name, np]) => rows(name, np));
        const documented = table.split("\n").filter((line) => line.startsWith("| `"));
        expect(documented.filter((line) => !line.startsWith("| `allow-database`"))).to.deep.equal(
            [...expected].sort((a, b) => documented.indexOf(a) - documented.indexOf(b)),
        );
        const database = documented.filter((line) => line.startsWith("| `allow-database`"));
        expect(database).to.have.length(1);
        // The row names what each provider admits: the Flexible Server's subnet, the CloudNativePG namespace.
        expect(database[0]).to.contain(`\`${policiesOf(prod)["allow-database"].egress[0].to[0].ipBlock.cidr}\``);
        expect(database[0]).to.contain(`namespace \`${policiesOf(local)["allow-database"].egress[0].to[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"]}\``);
    });
});
