// Where the observability parts answer, derived from the namespace and the one collector
// host (`istio.tracing.collector`). Envoy, the services, Grafana, Kiali and the README's
// port-forward lines all read these, so they cannot drift from the Services the charts create.
import { collectorService } from "../../stacks/observability";

/** OTLP ports of the OpenTelemetry Collector chart's Service: Envoy speaks gRPC, the apps HTTP. */
export const otlpPorts = { grpc: 4317, http: 4318 } as const;

/** The services' OTEL_EXPORTER_OTLP_ENDPOINT. */
export const otlpHttpEndpoint = (collectorHost: string) => `http://${collectorHost}:${otlpPorts.http}`;

/** Helm release names; kube-prometheus-stack's operator also selects PrometheusRules by `release: <name>`. */
export const releases = {
    metrics: "kube-prometheus-stack",
    collector: "otel-collector",
    jaeger: "jaeger",
    kiali: "kiali",
} as const;

/** Service names the charts create, fixed with each chart's fullnameOverride. */
export function uiServices(namespace: string, collectorHost: string) {
    const svc = (name: string, port: number) => ({ name, namespace, port, url: `http://${name}.${namespace}.svc.cluster.local:${port}` });
    return {
        prometheus: svc("prometheus-stack-prometheus", 9090),
        alertmanager: svc("prometheus-stack-alertmanager", 9093),
        grafana: svc("grafana", 80),
        jaegerQuery: svc("jaeger", 16686),
        jaegerOtlp: svc("jaeger", otlpPorts.grpc),
        kiali: svc("kiali", 20001),
        collector: { ...collectorService(collectorHost), port: otlpPorts.grpc },
    };
}

/** Local ports for `kubectl port-forward`, one per UI (the README lists these lines). */
export const portForwards = [
    { ui: "Prometheus", service: "prometheus", local: 9090, path: "/" },
    { ui: "Alertmanager", service: "alertmanager", local: 9093, path: "/" },
    { ui: "Grafana", service: "grafana", local: 3000, path: "/" },
    { ui: "Jaeger", service: "jaegerQuery", local: 16686, path: "/" },
    { ui: "Kiali", service: "kiali", local: 20001, path: "/kiali" },
] as const;

export function portForwardLine(namespace: string, name: string, local: number, remote: number): string {
    return `kubectl -n ${namespace} port-forward svc/${name} ${local}:${remote}`;
}
