// HTTPS at the door, under mocks: cert-manager, the issuer of edge.certificates.issuer and the
// Certificate whose Secret the Gateway serves, on every shipped stack; the edge.* keys' errors.
import { expect } from "chai";
import { acmeServers, defaultEdge, type EdgeConfig, ingressUrl } from "../../stacks/edge";
import { type Capture } from "../../tools/capture/capture";
import { type KubeObject } from "../../tools/render/model";
import { validateObjects } from "../../tools/render/schema";
import { capture, type Json, itRejectsNamingTheKey, ofKind, one, projectDir, shippedStacks, spec } from "../support/stacks";

const certificate = (c: Capture) => one(c, "cert-manager.io/v1:Certificate", "edge");
const clusterIssuers = (c: Capture) => ofKind(c, "cert-manager.io/v1:ClusterIssuer");
const domains = { prod: "shop.example.com", dev: "shop-dev.example.com", local: "localhost" };

describe("certificates for the edge", function () {
    this.timeout(300_000);

    for (const stack of shippedStacks) {
        it(`${stack}: the Gateway's credential is the Secret the Certificate writes, in the gateway's namespace, from an issuer the stack declares`, async () => {
            const c = await capture(stack);
            const https = spec(one(c, "networking.istio.io/v1:Gateway", "ecommerce-gateway")).servers.find((s: Json) => s.port.number === 443);
            const cert = certificate(c);
            expect(https.tls.credentialName).to.equal(spec(cert).secretName);
            // Istio reads a Gateway's credentialName from the gateway pods' own namespace (istio.io secure-gateways task).
            expect((cert.inputs as Json).metadata.namespace).to.equal("istio-ingress");
            const issuer = spec(cert).issuerRef;
            expect(issuer.kind).to.equal("ClusterIssuer");
            expect(clusterIssuers(c).map((r) => (r.inputs as Json).metadata.name)).to.include(issuer.name);
            expect(spec(cert).dnsNames).to.deep.equal([domains[stack]]);
            // Created only once its issuer exists and the gateway's release (and so its namespace) is in place.
            const waitsFor = cert.dependencies.map((urn) => urn.split("::").pop());
            expect(waitsFor).to.include.members(["istio-ingressgateway", (clusterIssuers(c).find((r) => (r.inputs as Json).metadata.name === issuer.name)!).name]);
        });
    }

    it("prod: Let's Encrypt over DNS-01 in Azure DNS with the managed identity's client id, no client secret", async () => {
        const c = await capture("prod");
        const [issuer] = clusterIssuers(c);
        const { acme } = spec(issuer);
        expect(acme.server).to.equal(acmeServers.letsencrypt);
        expect(acme.email).to.equal("ops@example.com");
        expect(acme.solvers).to.have.length(1);
        const { azureDNS } = acme.solvers[0].dns01;
        expect(azureDNS).to.include({ hostedZoneName: "example.com", resourceGroupName: "dns", environment: "AzurePublicCloud" });
        expect(azureDNS).to.not.have.any.keys("clientSecretSecretRef", "tenantID");
        // The identity's client id, as the provider reports it (the zero GUID offline).
        expect(azureDNS.managedIdentity).to.deep.equal({ clientID: "00000000-0000-0000-0000-000000000000" });
        expect(spec(certificate(c)).dnsNames).to.deep.equal(["shop.example.com"]);
        // README "The name and its certificate": 90 days, renewed 30 days before the end, a new key each time.
        expect(spec(certificate(c))).to.deep.include({ duration: "2160h", renewBefore: "720h", privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" } });
    });

    it("local without a load balancer: the outputs say to port-forward the gateway's 443, since its 80 only redirects", async () => {
        const { outputs } = await capture("local");
        expect(outputs.ingressUrl).to.equal("no external address (service type NodePort): kubectl -n istio-ingress port-forward svc/istio-ingressgateway 8443:443");
    });

    it("ingressUrl is https on the certificate's name with TLS at the Gateway, http on the address otherwise", () => {
        const edge = { ...defaultEdge(), domain: "shop.example.com" } as EdgeConfig;
        expect(ingressUrl(edge, "20.1.2.3")).to.equal("https://shop.example.com");
        expect(ingressUrl({ ...edge, allowPlaintextHttp: true, tlsTerminatedBy: "Azure Front Door" }, "20.1.2.3")).to.equal("http://20.1.2.3");
        const none = "no external address (service type NodePort): kubectl -n istio-ingress port-forward svc/x 8080:80";
        expect(ingressUrl(edge, none)).to.equal(none);
    });

    it("prod: the identity federates with cert-manager's ServiceAccount and may write only the zone", async () => {
        const c = await capture("prod");
        const federation = one(c, "azure-native:managedidentity:FederatedIdentityCredential", "cert-manager").inputs as Json;
        expect(federation.resourceName).to.equal("cert-manager-prod");
        expect(federation.issuer).to.equal("https://oidc.example.invalid/ecommerce-mesh-prod/");
        expect(federation.subject).to.equal("system:serviceaccount:cert-manager:cert-manager");
        expect(federation.audiences).to.deep.equal(["api://AzureADTokenExchange"]);
        const role = one(c, "azure-native:authorization:RoleAssignment", "cert-manager-dns").inputs as Json;
        expect(role.scope).to.match(/\/resourceGroups\/dns\/providers\/Microsoft\.Network\/dnszones\/example\.com$/);
        expect(role.roleDefinitionId).to.match(/befefa01-2a29-4197-83a8-272ff33ce314$/);
        const release = one(c, "helm.sh/v3:Release", "cert-manager").inputs as Json;
        expect(release.values.podLabels).to.deep.equal({ "azure.workload.identity/use": "true" });
    });

    it("dev: Let's Encrypt staging, the same DNS-01 flow", async () => {
        const { acme } = spec(clusterIssuers(await capture("dev"))[0]);
        expect(acme.server).to.equal(acmeServers["letsencrypt-staging"]);
    });

    it("local: a self-signed CA of its own, no Azure identity", async () => {
        const c = await capture("local");
        expect(clusterIssuers(c).map((r) => [(r.inputs as Json).metadata.name, Object.keys(spec(r))[0]])).to.deep.equal([
            ["selfsigned-bootstrap", "selfSigned"],
            ["edge-ca", "ca"],
        ]);
        const ca = one(c, "cert-manager.io/v1:Certificate", "local-ca");
        expect(spec(ca)).to.include({ isCA: true, secretName: "edge-ca" });
        expect(spec(ca).issuerRef.name).to.equal("selfsigned-bootstrap");
        expect(spec(one(c, "cert-manager.io/v1:ClusterIssuer", "issuer-edge-ca")).ca.secretName).to.equal("edge-ca");
        expect(ofKind(c, "azure-native:managedidentity:UserAssignedIdentity")).to.deep.equal([]);
    });

    it("a certificate edit changes only the Certificate (blast radius)", async () => {
        const before = await capture("prod");
        const after = await capture("prod", "edge.domain=www.example.com");
        const old = new Map(before.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]));
        const changed = after.resources.filter((r) => old.get(r.urn) !== JSON.stringify(r.inputs)).map((r) => r.type);
        // The name moves the Gateway's and the edge VirtualService's hosts too; nothing else may change.
        expect([...new Set(changed)].sort()).to.deep.equal(["kubernetes:cert-manager.io/v1:Certificate", "kubernetes:networking.istio.io/v1:Gateway", "kubernetes:networking.istio.io/v1:VirtualService"]);
        const renewed = await capture("prod", "edge.certificates.email=certs@example.com");
        const issuerOnly = renewed.resources.filter((r) => old.get(r.urn) !== JSON.stringify(r.inputs)).map((r) => r.type);
        expect(issuerOnly).to.deep.equal(["kubernetes:cert-manager.io/v1:ClusterIssuer"]);
    });

    it("validates ClusterIssuer and Certificate against @kubernetes-models/cert-manager, unknown fields included", async () => {
        const c = await capture("prod");
        const asObject = (manifest: Json): KubeObject => ({
            apiVersion: manifest.apiVersion,
            kind: manifest.kind,
            name: manifest.metadata.name,
            namespace: manifest.metadata.namespace,
            manifest,
            file: `${manifest.kind}.yaml`,
            resourceName: manifest.metadata.name,
            resourceType: `kubernetes:${manifest.apiVersion}:${manifest.kind}`,
        });
        const issuer = clusterIssuers(c)[0].inputs as Json;
        const cert = certificate(c).inputs as Json;
        expect(await validateObjects([asObject(issuer), asObject(cert)], projectDir)).to.deep.equal([]);
        const typo = structuredClone(cert);
        typo.spec.renewBefor = typo.spec.renewBefore;
        const wrongType = structuredClone(issuer);
        wrongType.spec.acme.solvers[0].dns01.azureDNS.managedIdentity = { clientID: 42 };
        const errors = await validateObjects([asObject(typo), asObject(wrongType)], projectDir);
        expect(errors.map((e) => `${e.object.split(" ")[0]} ${e.path}`)).to.deep.equal(["Certificate /spec/renewBefor", "ClusterIssuer /spec/acme/solvers/0/dns01/azureDNS/managedIdentity/clientID"]);
    });

    describe("the edge.* keys", () => {
        itRejectsNamingTheKey([
            { set: ["edge.domain=https://shop.example.com"], line: 'ecommerce-mesh:edge.domain: "https://shop.example.com" is not a lowercase DNS name such as shop.example.com (no wildcard, no port, no scheme)' },
            { set: ["edge.domain=*.example.com"], line: 'ecommerce-mesh:edge.domain: "*.example.com" is not a lowercase DNS name such as shop.example.com (no wildcard, no port, no scheme)' },
            { set: ["istio.ingress.hosts=[\"*\"]"], line: /^ecommerce-mesh:istio\.ingress\.hosts: .* may not contain "\*" in prod/ },
            { set: ["edge.minTlsVersion=TLSV1_1"], line: 'ecommerce-mesh:edge.minTlsVersion: "TLSV1_1" is not one of TLSV1_2, TLSV1_3' },
            { set: ["edge.allowPlaintextHttp=true"], line: /^ecommerce-mesh:edge\.tlsTerminatedBy: is required when edge\.allowPlaintextHttp is true/ },
            { set: ["edge.certificates.issuer=letsencrypt-staging"], line: /^ecommerce-mesh:edge\.certificates\.issuer: "letsencrypt-staging" must be letsencrypt in prod/ },
            { set: ["edge.certificates.azureDns.zoneName=example.org"], line: /^ecommerce-mesh:edge\.certificates\.azureDns\.zoneName: "example.org" does not contain edge\.domain shop\.example\.com/ },
            { stack: "local", set: ["edge.certificates.issuer=letsencrypt", "edge.certificates.email=a@b.io", "edge.certificates.azureDns={zoneName: localhost, resourceGroupName: dns}"], line: /^ecommerce-mesh:edge\.certificates\.issuer: "letsencrypt" needs cluster\.provider aks/ },
            { stack: "local", set: ["edge.domain=shop.example.com:8443"], line: /^ecommerce-mesh:edge\.domain: "shop\.example\.com:8443" is not a lowercase DNS name/ },
        ]);
    });
});
