import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { type ObservabilityConfig } from "../../stacks/observability";
import { charts, type ChartPin, istioDashboards, istioDashboardUrl } from "./charts";
import { dashboards } from "./dashboards";
import { otlpPorts, releases, uiServices } from "./endpoints";
import { alertGroups, type SloThresholds } from "./rules";
import { kubernetesScrapeJob } from "./scrape";

export interface ObservabilityArgs {
    config: ObservabilityConfig;
    /** The one collector host (`istio.tracing.collector`): its first label names the collector's Service. */
    collectorHost: string;
    /** The Istio release, whose standard dashboards Grafana loads. */
    istioVersion: string;
    istioNamespace: string;
    /** Namespaces whose annotated pods are scraped: the app, istiod's and the ingress gateway's. */
    scrapeNamespaces: string[];
    appNamespace: string;
    services: string[];
    canaries: { service: string; stable: string; canary: string }[];
    slo: SloThresholds;
}

const grafanaAdminSecret = { name: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" };

/**
 * Metrics (kube-prometheus-stack), dashboards, traces (OpenTelemetry Collector → Jaeger v2),
 * the mesh graph (Kiali) and SLO alerts, in their own namespace without sidecars: each UI is
 * a ClusterIP Service, reached with `kubectl port-forward`.
 */
export class Observability extends pulumi.ComponentResource {
    public readonly namespace: string;
    public readonly grafanaAdminPassword: pulumi.Output<string> | undefined;

    constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:observability:Observability", name, {}, opts);
        const child = { parent: this };
        const { config } = args;
        const ns = config.namespace;
        const svc = uiServices(ns, args.collectorHost);

        const namespace = new k8s.core.v1.Namespace(ns, { metadata: { name: ns, labels: { "app.kubernetes.io/part-of": "ecommerce-mesh" } } }, child);
        const release = (releaseName: string, pin: ChartPin, values: Record<string, unknown>, dependsOn: pulumi.Resource[] = []) =>
            new k8s.helm.v3.Release(
                releaseName,
                { name: releaseName, chart: pin.chart, version: pin.version, namespace: ns, repositoryOpts: { repo: pin.repository }, values, atomic: true, timeout: 600 },
                { ...child, dependsOn: [namespace, ...dependsOn] },
            );

        let password: pulumi.Output<string> | undefined;
        if (config.grafana.enabled) {
            // Secret even where the provider does not mark it (mocks, older engines): it is a stack output.
            password = pulumi.secret(new random.RandomPassword(`${name}-grafana-admin`, { length: 24, special: false }, child).result);
            new k8s.core.v1.Secret(
                `${name}-grafana-admin`,
                {
                    metadata: { name: grafanaAdminSecret.name, namespace: ns },
                    type: "Opaque",
                    stringData: { [grafanaAdminSecret.userKey]: "admin", [grafanaAdminSecret.passwordKey]: pulumi.secret(password) },
                },
                { ...child, dependsOn: [namespace] },
            );
        }

        let metrics: k8s.helm.v3.Release | undefined;
        if (config.metrics.enabled) {
            metrics = release(releases.metrics, charts.kubePrometheusStack, this.metricsValues(args, svc));
            const rules = alertGroups({ namespace: args.appNamespace, services: args.services, canaries: args.canaries, slo: args.slo });
            new k8s.apiextensions.CustomResource(
                `${name}-slo-rules`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PrometheusRule",
                    // The chart's Prometheus selects rules labelled with its release name.
                    metadata: { name: "ecommerce-slo", namespace: ns, labels: { release: releases.metrics, "app.kubernetes.io/part-of": "ecommerce-mesh" } },
                    spec: { groups: rules },
                },
                { ...child, dependsOn: [metrics] },
            );
        }

        if (config.grafana.enabled) {
            for (const dashboard of dashboards({ services: args.services, canaries: args.canaries })) {
                new k8s.core.v1.ConfigMap(
                    `${name}-dashboard-${dashboard.name}`,
                    {
                        // grafana_dashboard: "1" is what the kube-prometheus-stack Grafana sidecar watches for.
                        metadata: { name: `dashboard-${dashboard.name}`, namespace: ns, labels: { grafana_dashboard: "1", "app.kubernetes.io/part-of": "ecommerce-mesh" } },
                        data: { [`${dashboard.name}.json`]: JSON.stringify(dashboard.json) },
                    },
                    { ...child, dependsOn: [namespace] },
                );
            }
        }

        if (config.tracing.enabled) {
            const jaeger = release(releases.jaeger, charts.jaeger, { fullnameOverride: svc.jaegerQuery.name });
            release(
                releases.collector,
                charts.openTelemetryCollector,
                {
                    fullnameOverride: svc.collector.name,
                    mode: "deployment",
                    image: { repository: "otel/opentelemetry-collector-k8s" },
                    config: {
                        exporters: { "otlp/jaeger": { endpoint: `${svc.jaegerOtlp.name}.${ns}.svc.cluster.local:${otlpPorts.grpc}`, tls: { insecure: true } } },
                        service: { pipelines: { traces: { receivers: ["otlp"], processors: ["memory_limiter", "batch"], exporters: ["otlp/jaeger"] } } },
                    },
                },
                [jaeger],
            );
        }

        if (config.kiali.enabled) {
            release(releases.kiali, charts.kiali, this.kialiValues(args, svc), metrics ? [metrics] : []);
        }

        this.namespace = ns;
        this.grafanaAdminPassword = password;
        this.registerOutputs({ namespace: ns });
    }

    private metricsValues(args: ObservabilityArgs, svc: ReturnType<typeof uiServices>): Record<string, unknown> {
        const { config } = args;
        const m = config.metrics;
        return {
            fullnameOverride: "prometheus-stack",
            crds: { enabled: true },
            // AKS runs the control plane: there are no etcd, scheduler, controller-manager or kube-proxy endpoints to scrape.
            kubeControllerManager: { enabled: false },
            kubeScheduler: { enabled: false },
            kubeEtcd: { enabled: false },
            kubeProxy: { enabled: false },
            alertmanager: { enabled: config.alertmanager.enabled, service: { type: "ClusterIP" } },
            prometheus: {
                service: { type: "ClusterIP" },
                prometheusSpec: {
                    retention: m.retention,
                    scrapeInterval: m.scrapeInterval,
                    storageSpec: m.storageSize
                        ? {
                              volumeClaimTemplate: {
                                  spec: { accessModes: ["ReadWriteOnce"], ...(m.storageClass ? { storageClassName: m.storageClass } : {}), resources: { requests: { storage: m.storageSize } } },
                              },
                          }
                        : {},
                    additionalScrapeConfigs: [kubernetesScrapeJob(args.scrapeNamespaces, m.scrapeInterval)],
                },
            },
            grafana: {
                enabled: config.grafana.enabled,
                fullnameOverride: svc.grafana.name,
                admin: { existingSecret: grafanaAdminSecret.name, userKey: grafanaAdminSecret.userKey, passwordKey: grafanaAdminSecret.passwordKey },
                "grafana.ini": { "auth.anonymous": { enabled: config.grafana.anonymous, org_role: "Viewer" } },
                service: { type: "ClusterIP" },
                sidecar: { dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: config.namespace } },
                additionalDataSources: config.tracing.enabled ? [{ name: "Jaeger", type: "jaeger", uid: "jaeger", access: "proxy", url: svc.jaegerQuery.url }] : [],
                dashboardProviders: {
                    "dashboardproviders.yaml": {
                        apiVersion: 1,
                        providers: [{ name: "istio", orgId: 1, folder: "Istio", type: "file", disableDeletion: true, options: { path: "/var/lib/grafana/dashboards/istio" } }],
                    },
                },
                dashboards: {
                    istio: Object.fromEntries(Object.entries(istioDashboards).map(([key, file]) => [key, { url: istioDashboardUrl(args.istioVersion, file) }])),
                },
            },
        };
    }

    private kialiValues(args: ObservabilityArgs, svc: ReturnType<typeof uiServices>): Record<string, unknown> {
        const { config } = args;
        return {
            auth: { strategy: config.kiali.auth },
            deployment: { instance_name: svc.kiali.name, service_type: "ClusterIP", cluster_wide_access: true },
            server: { web_root: "/kiali" },
            external_services: {
                // Kiali >= 2.16 ignores this key (it takes the root namespace from istiod's meshConfig,
                // else istiod's namespace: kiali istio/discovery.go); set only so the chart's
                // ConfigMap does not name its own release namespace instead.
                istio: { root_namespace: args.istioNamespace },
                prometheus: { url: svc.prometheus.url },
                grafana: {
                    enabled: config.grafana.enabled,
                    internal_url: svc.grafana.url,
                    external_url: "http://localhost:3000",
                    // Kiali reads `secret:<name>:<key>` from a Secret in its own namespace.
                    auth: { type: "basic", username: "admin", password: `secret:${grafanaAdminSecret.name}:${grafanaAdminSecret.passwordKey}` },
                },
                tracing: { enabled: config.tracing.enabled, provider: "jaeger", use_grpc: false, internal_url: svc.jaegerQuery.url, external_url: "http://localhost:16686" },
            },
        };
    }
}
