// The Observability component as the program registers it, per shipped stack: pinned charts
// whose values exist in each chart's values.yaml, ClusterIP UIs, no plain-text secret, one
// collector host behind every endpoint, scrape and dashboard selectors that match what is
// deployed, and AuthorizationPolicies that leave the metrics port alone.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { type ChartPin, charts } from "../../components/observability/charts";
import { mergedMetricsPort, scrapeJobName } from "../../components/observability/scrape";
import { loadStackConfig, StackConfigError } from "../../stacks";
import { type Capture, type CapturedResource } from "../../tools/capture/capture";
import { capture, type Json, ofKind, one, projectDir, shippedStacks, stackConfig } from "../support/stacks";
import { fromPulumiConfig } from "../../stacks/load";
import { type ChartValuesFixture, fixturePath } from "../../tools/charts/valuesPaths";

/** The key paths of a chart's values.yaml at its pinned version (tools/charts/fixture.ts writes them). */
const fixture = (pin: ChartPin) => new Set<string>((JSON.parse(readFileSync(path.join(projectDir, fixturePath(pin.chart, pin.version)), "utf8")) as ChartValuesFixture).paths);

/** Dotted key paths of a values object, not descending into lists, leaving out what a chart passes through whole. */
function valuePaths(values: Json, passThrough: string[], prefix = ""): string[] {
    return Object.entries(values).flatMap(([key, value]) => {
        const at = prefix ? `${prefix}.${key}` : key;
        if (passThrough.some((p) => at === p || at.startsWith(`${p}.`))) return [];
        return value && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length ? [at, ...valuePaths(value, passThrough, at)] : [at];
    });
}

// Maps the charts hand on unchanged, so their keys are the application's, not the chart's:
// Grafana's ini, dashboards and providers; the collector's config; Kiali's server config (the
// chart writes all of its values into the Kiali ConfigMap).
const passThrough: Record<string, string[]> = {
    "kube-prometheus-stack": ["prometheus.prometheusSpec.storageSpec", "grafana"],
    // fullnameOverride: read by the chart's templates/_helpers.tpl, though values.yaml does not list it.
    grafana: ["grafana.ini", "dashboards", "dashboardProviders", "sidecar.dashboards.searchNamespace", "fullnameOverride"],
    "opentelemetry-collector": ["config.exporters", "config.service.pipelines"],
    jaeger: [],
    "kiali-server": ["external_services.grafana", "external_services.tracing", "external_services.prometheus.url"],
};

const release = (c: Capture, name: string): Json => one(c, "helm.sh/v3:Release", name).inputs;

/** The Services each chart creates, from its templates' naming (read with the fetch tool). */
function chartServices(c: Capture): Set<string> {
    const v = (name: string) => release(c, name).values;
    const ns = release(c, "kube-prometheus-stack").namespace;
    const kps = v("kube-prometheus-stack");
    return new Set(
        [
            `${kps.fullnameOverride}-prometheus`, // templates/prometheus/service.yaml
            `${kps.fullnameOverride}-alertmanager`,
            kps.grafana.fullnameOverride,
            v("otel-collector").fullnameOverride,
            v("jaeger").fullnameOverride,
            v("kiali").deployment.instance_name, // kiali-server.fullname
        ].map((name) => `${name}.${ns}`),
    );
}

/** host.namespace of a URL or host[:port] written into the program's objects. */
const serviceOf = (endpoint: string) => {
    const host = endpoint.replace(/^\w+:\/\//, "").split(/[:/]/)[0];
    const [name, namespace] = host.split(".");
    return `${name}.${namespace}`;
};

for (const stack of shippedStacks) {
    describe(`observability on Pulumi.${stack}.yaml`, () => {
        let c: Capture;
        before(async () => {
            c = await capture(stack);
        });

        it("installs every chart at its pinned version from its repository, in observability.namespace", () => {
            for (const [name, pin] of [["kube-prometheus-stack", charts.kubePrometheusStack], ["otel-collector", charts.openTelemetryCollector], ["jaeger", charts.jaeger], ["kiali", charts.kiali]] as const) {
                const r = release(c, name);
                expect({ chart: r.chart, version: r.version, repo: r.repositoryOpts.repo, namespace: r.namespace }).to.deep.equal({ chart: pin.chart, version: pin.version, repo: pin.repository, namespace: "observability" });
            }
        });

        it("sets only values that exist in each chart's values.yaml", () => {
            const check = (pin: ChartPin, values: Json, alsoKnown: string[] = []) => {
                const known = new Set([...fixture(pin), ...alsoKnown]);
                expect(valuePaths(values, passThrough[pin.chart]).filter((p) => !known.has(p)), `${pin.chart} values`).to.deep.equal([]);
            };
            const kps = release(c, "kube-prometheus-stack").values;
            check(charts.kubePrometheusStack, kps);
            // The sub-chart's values: its own, and those kube-prometheus-stack reads under `grafana.`.
            const kpsGrafanaKeys = [...fixture(charts.kubePrometheusStack)].filter((k) => k.startsWith("grafana.")).map((k) => k.slice("grafana.".length));
            check(charts.grafana, kps.grafana, kpsGrafanaKeys);
            check(charts.openTelemetryCollector, release(c, "otel-collector").values);
            check(charts.jaeger, release(c, "jaeger").values);
            check(charts.kiali, release(c, "kiali").values);
        });

        it("keeps every UI on a ClusterIP Service", () => {
            const kps = release(c, "kube-prometheus-stack").values;
            expect([kps.prometheus.service.type, kps.alertmanager.service.type, kps.grafana.service.type, release(c, "kiali").values.deployment.service_type]).to.deep.equal(["ClusterIP", "ClusterIP", "ClusterIP", "ClusterIP"]);
            // The Jaeger and collector charts default to ClusterIP; the program sets no type for them.
            expect(release(c, "jaeger").values.jaeger?.service?.type).to.equal(undefined);
            expect(release(c, "otel-collector").values.service?.type).to.equal(undefined);
        });

        it("generates the Grafana admin password and keeps it secret", () => {
            const secret = one(c, "core/v1:Secret", "observability-grafana-admin");
            expect(JSON.stringify(secret.markedInputs)).to.include("4dabf18193072939515e22adb298388d"); // Pulumi's secret marker
            expect(one(c, "random:index/randomPassword:RandomPassword", "observability-grafana-admin").inputs).to.include({ length: 24 });
            expect(c.outputs.grafanaAdminPassword).to.equal("[secret]");
            const grafana = release(c, "kube-prometheus-stack").values.grafana;
            expect(grafana.admin.existingSecret).to.equal((secret.inputs as Json).metadata.name);
            expect(JSON.stringify(c.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => r.inputs))).to.not.include("offline-password");
            expect(release(c, "kiali").values.external_services.grafana.auth.password).to.match(/^secret:grafana-admin:/);
        });

        it(`allows anonymous Grafana and Kiali only in local (${stack})`, () => {
            const anonymous = stack === "local";
            expect(release(c, "kube-prometheus-stack").values.grafana["grafana.ini"]["auth.anonymous"].enabled).to.equal(anonymous);
            expect(release(c, "kiali").values.auth.strategy).to.equal(anonymous ? "anonymous" : "token");
        });

        it("sends traces, from Envoy and from the services, to the collector Service the program installs", () => {
            const services = chartServices(c);
            const istiod = release(c, "istiod").values.meshConfig;
            const provider = istiod.extensionProviders.find((p: Json) => p.opentelemetry);
            const telemetry = spec(one(c, "telemetry.istio.io/v1:Telemetry", "mesh-telemetry"));
            expect(telemetry.tracing[0].providers).to.deep.equal([{ name: provider.name }]);
            const appEndpoints = ofKind(c, "apps/v1:Deployment").map((d) => (d.inputs as Json).spec.template.spec.containers[0].env.find((e: Json) => e.name === "OTEL_EXPORTER_OTLP_ENDPOINT").value);
            const endpoints = [
                provider.opentelemetry.service,
                ...appEndpoints,
                release(c, "otel-collector").values.config.exporters["otlp/jaeger"].endpoint,
                ...release(c, "kube-prometheus-stack").values.grafana.additionalDataSources.map((d: Json) => d.url),
                release(c, "kiali").values.external_services.prometheus.url,
                release(c, "kiali").values.external_services.grafana.internal_url,
                release(c, "kiali").values.external_services.tracing.internal_url,
            ];
            expect(endpoints.filter((e) => !services.has(serviceOf(e)))).to.deep.equal([]);
            expect(new Set([provider.opentelemetry.service, ...appEndpoints].map(serviceOf))).to.deep.equal(new Set(["otel-collector.observability"]));
        });

        it("scrapes the namespaces of the services, istiod, the gateway and cert-manager, and every service pod is annotated for it", () => {
            const job = release(c, "kube-prometheus-stack").values.prometheus.prometheusSpec.additionalScrapeConfigs.find((j: Json) => j.job_name === scrapeJobName);
            // cert-manager's chart annotates its pods for this job while prometheus.enabled (its default) and no ServiceMonitor.
            expect(job.kubernetes_sd_configs[0].namespaces.names.sort()).to.deep.equal(["cert-manager", "ecommerce", "istio-ingress", "istio-system"]);
            expect(release(c, "cert-manager").values).to.not.have.property("prometheus");
            for (const d of ofKind(c, "apps/v1:Deployment")) {
                const pod = (d.inputs as Json).spec.template;
                expect(pod.metadata.annotations, d.name).to.deep.include({ "prometheus.io/scrape": "true", "prometheus.io/port": String(pod.spec.containers[0].ports[0].containerPort), "prometheus.io/path": "/metrics" });
                expect(job.kubernetes_sd_configs[0].namespaces.names).to.include((d.inputs as Json).metadata.namespace);
            }
            expect(release(c, "istiod").values.meshConfig.enablePrometheusMerge).to.equal(true);
        });

        it("leaves the merged metrics port to the scrape: no AuthorizationPolicy or pod annotation pulls it into the sidecar", () => {
            // The app namespace's policies: the gateway's DENY for customer routes without a token
            // applies to the ingress pods, whose merged metrics port Envoy does not serve either.
            const policies = ofKind(c, "security.istio.io/v1:AuthorizationPolicy").filter((p) => (p.inputs as Json).metadata.namespace === "ecommerce").map((p) => spec(p));
            expect(policies.every((p) => (p.action ?? "ALLOW") === "ALLOW")).to.equal(true);
            const ports = policies.flatMap((p) => (p.rules ?? []).flatMap((r: Json) => (r.to ?? []).flatMap((t: Json) => t.operation?.ports ?? [])));
            expect(ports).to.not.include(String(mergedMetricsPort));
            for (const d of ofKind(c, "apps/v1:Deployment")) {
                const annotations = (d.inputs as Json).spec.template.metadata.annotations ?? {};
                expect(Object.keys(annotations).filter((k) => /includeInboundPorts|merge-metrics/.test(k)), d.name).to.deep.equal([]);
            }
            // Through the app port instead, Prometheus (no mesh identity) would match no ALLOW rule:
            const principals = policies.flatMap((p) => (p.rules ?? []).flatMap((r: Json) => (r.from ?? []).flatMap((f: Json) => f.source?.principals ?? [])));
            expect(principals.some((p: string) => p.includes("/ns/observability/"))).to.equal(false);
        });

        it("labels dashboards and rules the way Grafana's sidecar and the operator select them", () => {
            const kps = release(c, "kube-prometheus-stack").values;
            const sidecar = kps.grafana.sidecar.dashboards;
            const maps = ofKind(c, "core/v1:ConfigMap").filter((m) => m.name.startsWith("observability-dashboard-"));
            expect(maps.map((m) => m.name).sort()).to.deep.equal(["observability-dashboard-ecommerce-business", "observability-dashboard-ecommerce-canary", "observability-dashboard-ecommerce-red"]);
            for (const m of maps) {
                expect((m.inputs as Json).metadata.labels[sidecar.label]).to.equal(sidecar.labelValue);
                expect((m.inputs as Json).metadata.namespace).to.equal(sidecar.searchNamespace);
            }
            const rule = ofKind(c, "monitoring.coreos.com/v1:PrometheusRule")[0] as CapturedResource;
            expect((rule.inputs as Json).metadata.labels.release).to.equal("kube-prometheus-stack");
            expect(Object.keys(kps.grafana.dashboards.istio).sort()).to.deep.equal(["istio-control-plane", "istio-extension", "istio-mesh", "istio-performance", "istio-service", "istio-workload"]);
            const istioVersion = release(c, "istiod").version;
            expect(Object.values(kps.grafana.dashboards.istio).every((d: Json) => d.url.includes(`/istio/istio/${istioVersion}/`))).to.equal(true);
        });

        it("keeps Prometheus data as the stack says (prod: 15d or more on a volume)", () => {
            const prometheusSpec = release(c, "kube-prometheus-stack").values.prometheus.prometheusSpec;
            const storage = prometheusSpec.storageSpec.volumeClaimTemplate?.spec.resources.requests.storage;
            expect({ retention: prometheusSpec.retention, storage }).to.deep.equal({ local: { retention: "1d", storage: undefined }, dev: { retention: "7d", storage: "20Gi" }, prod: { retention: "15d", storage: "100Gi" } }[stack]);
        });
    });
}

const spec = (r: CapturedResource): Json => (r.inputs as Json).spec;

describe("observability config errors", () => {
    const problems = (stack: string, ...sets: string[]) => {
        try {
            loadStackConfig(fromPulumiConfig(stackConfig(stack, ...sets).values));
            return [];
        } catch (error) {
            if (error instanceof StackConfigError) return error.problems;
            throw error;
        }
    };

    it("refuses prod with less than 15 days or without a volume", () => {
        expect(problems("prod", "observability.metrics.retention=7d")).to.deep.equal(["ecommerce-mesh:observability.metrics.retention: \"7d\" is shorter than 15d, the least a prod stack keeps"]);
        expect(problems("prod", "observability.metrics.storageSize=null")[0]).to.equal("ecommerce-mesh:observability.metrics.storageSize: is required in prod: Prometheus keeps its data on a persistent volume");
    });

    it("refuses anonymous Grafana or Kiali outside local", () => {
        expect(problems("dev", "observability.grafana.anonymous=true")).to.deep.equal(["ecommerce-mesh:observability.grafana.anonymous: true is allowed only in local stacks, not dev"]);
        expect(problems("prod", "observability.kiali.auth=anonymous")).to.deep.equal(["ecommerce-mesh:observability.kiali.auth: \"anonymous\" is allowed only in local stacks, not prod: use token"]);
    });

    it("refuses a collector host outside the namespace that deploys the collector", () => {
        expect(problems("dev", "istio.tracing.collector=otel-collector.monitoring.svc.cluster.local")).to.deep.equal([
            "ecommerce-mesh:istio.tracing.collector: \"otel-collector.monitoring.svc.cluster.local\" is not a Service in observability.namespace (observability), where observability.tracing deploys the collector: use <name>.observability.svc.cluster.local",
        ]);
    });

    it("names the key and the allowed units of a bad duration", () => {
        expect(problems("dev", "observability.metrics.retention=2 weeks")).to.deep.equal(["ecommerce-mesh:observability.metrics.retention: \"2 weeks\" is not a Prometheus duration such as 30s, 5m, 1h or 15d"]);
    });
});
