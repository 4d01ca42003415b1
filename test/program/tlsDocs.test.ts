// docs/tls.md states what the code does: each claim is rebuilt here from the code or the
// captured stacks, and must appear in the guide as written.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { acmeIssuerSpec, edgeCertificateSpec, issuerNames, localCaSecret } from "../../components/builders/certificates";
import { certManagerRelease } from "../../components/certificates";
import { alertGroups, certificateWarningDays, sloThresholds } from "../../components/observability/rules";
import { defaultTlsDir, defaultTlsPort, devTlsPort, devTlsSettings } from "../../services/dev/tls";
import { acmeServers, defaultEdge, type EdgeConfig } from "../../stacks/edge";
import { defaultObservability } from "../../stacks/observability";
import { chartRow } from "../../stacks/support";
import { usage } from "../../tools/verify/args";
import { capture, type Json, ofKind, projectDir, spec } from "../support/stacks";

const guide = readFileSync(path.join(projectDir, "docs", "tls.md"), "utf8").replace(/\s+/g, " ");
const says = (text: string) => expect(guide, text).to.contain(text.replace(/\s+/g, " "));

describe("docs/tls.md", function () {
    this.timeout(120_000);

    it("names each stack's issuer, ACME server and domain as the stack files set them", async () => {
        says(`| prod | \`letsencrypt\` (${acmeServers.letsencrypt}) | \`shop.example.com\` |`);
        says(`| dev | \`letsencrypt-staging\` (${acmeServers["letsencrypt-staging"]}) | \`shop-dev.example.com\` |`);
        says(`| local | \`self-signed\`: ClusterIssuer \`${issuerNames["self-signed"]}\`, a CA in Secret \`${defaultEdge().certificates.namespace}/${localCaSecret}\` | \`localhost\` |`);
        for (const [stack, issuer, domain] of [["prod", "letsencrypt", "shop.example.com"], ["dev", "letsencrypt-staging", "shop-dev.example.com"], ["local", "edge-ca", "localhost"]]) {
            const cert = ofKind(await capture(stack), "cert-manager.io/v1:Certificate").find((r) => (r.inputs as Json).metadata.name === "edge")!;
            expect([spec(cert).issuerRef.name, spec(cert).dnsNames[0]], stack).to.deep.equal([issuer, domain]);
        }
    });

    it("states the chart, the Secret, the Gateway settings and the certificate's lifetime", () => {
        const row = chartRow("cert-manager");
        says(`cert-manager ${row.version} (chart \`${row.repository}\``);
        says(`runs in namespace \`${defaultEdge().certificates.namespace}\``);
        const edge = { ...defaultEdge(), domain: "x.example.com" } as EdgeConfig;
        const cert = edgeCertificateSpec(edge, "edge-tls");
        says(`\`minProtocolVersion: ${edge.minTlsVersion}\``);
        says(`\`strict-transport-security: max-age=${edge.hstsMaxAge}; includeSubDomains\``);
        says(`lasts \`${cert.duration}\` (90 days) and cert-manager renews it \`${cert.renewBefore}\` (30 days)`);
        expect([parseInt(cert.duration) / 24, parseInt(cert.renewBefore) / 24]).to.deep.equal([90, 30]);
        says(`(\`rotationPolicy: ${cert.privateKey.rotationPolicy}\`)`);
    });

    it("describes the DNS-01 identity as the program builds it, and the egress path it relies on", async () => {
        says(`\`system:serviceaccount:${defaultEdge().certificates.namespace}:${certManagerRelease}\``);
        expect(Object.keys(acmeIssuerSpec("letsencrypt", "a@b.c", { zoneName: "z", resourceGroupName: "g", subscriptionId: "s", clientId: "c" }).acme.solvers[0])).to.deep.equal(["dns01"]);
        const prod = await capture("prod");
        const namespace = ofKind(prod, "core/v1:Namespace").find((r) => (r.inputs as Json).metadata.name === "cert-manager")!;
        expect((namespace.inputs as Json).metadata.labels).to.not.have.any.keys("istio-injection", "istio.io/rev");
        expect(ofKind(prod, "networking.k8s.io/v1:NetworkPolicy").filter((r) => (r.inputs as Json).metadata.namespace === "cert-manager")).to.deep.equal([]);
    });

    it("lists the certificate alerts with their thresholds", () => {
        const rules = alertGroups({ namespace: "ecommerce", services: [], canaries: [], slo: sloThresholds(defaultObservability().slo) })
            .flatMap((g) => g.rules)
            .filter((r) => r.alert.startsWith("Certificate"));
        expect(rules.map((r) => [r.alert, r.for])).to.deep.equal([
            ["CertificateExpiresSoon", "1h"],
            ["CertificateNotReady", "30m"],
        ]);
        says(`| \`CertificateExpiresSoon\` | a Certificate expires in under ${certificateWarningDays} days (renewal has failed for two weeks) | 1h |`);
        says("| `CertificateNotReady` | a Certificate's Ready condition is False or Unknown | 30m |");
    });

    it("gives npm run dev's port, CA file and verify's flag as the code defines them", () => {
        expect(devTlsPort(undefined, 8080)).to.equal(defaultTlsPort);
        expect(devTlsPort("off", 8080)).to.equal(undefined);
        expect(devTlsSettings(undefined)).to.deep.equal({ minVersion: defaultEdge().minTlsVersion, hstsMaxAge: defaultEdge().hstsMaxAge });
        says(`serves HTTPS on port \`${defaultTlsPort}\` (\`DEV_TLS_PORT\`; \`off\` for none)`);
        says(`in \`${path.basename(defaultTlsDir())}/\` (git-ignored`);
        expect(readFileSync(path.join(projectDir, ".gitignore"), "utf8").split("\n")).to.include(`${path.basename(defaultTlsDir())}/`);
        says(`curl --cacert ${path.basename(defaultTlsDir())}/ca.pem https://localhost:${defaultTlsPort}/api/products`);
        expect(usage).to.contain("--ca <pem file>");
        says(`npm run verify -- --target https://localhost:${defaultTlsPort} --stack dev --ca ${path.basename(defaultTlsDir())}/ca.pem`);
    });

    it("docs/deploying.md's 'The name and its certificate' says the same lifetime, role and Secret", () => {
        const readme = readFileSync(path.join(projectDir, "docs", "deploying.md"), "utf8").replace(/\s+/g, " ");
        const cert = edgeCertificateSpec({ ...defaultEdge(), domain: "x.example.com" } as EdgeConfig, "edge-tls");
        expect(readme).to.contain(`it renews ${parseInt(cert.renewBefore) / 24} days before the ${parseInt(cert.duration) / 24}-day certificate ends`);
        expect(readme).to.contain("allowed only *DNS Zone Contributor* on that zone");
        expect(readme).to.contain("into the Secret `istio.ingress.tlsCredentialName` that the Gateway serves on 443");
    });
});
