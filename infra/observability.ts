// The observability stack beside the mesh: what to scrape, which canaries to watch and the
// SLO thresholds, all read from the stack config.
import { IstioMesh, istioSystemNamespace } from "../components/istioMesh";
import { Observability } from "../components/observability";
import { sloThresholds } from "../components/observability/rules";
import { serviceNames, type StackConfig } from "../stacks";
import { tlsAtGateway } from "../stacks/edge";
import { type Platform } from "./platform";

export function observe(config: StackConfig, platform: Platform, mesh: IstioMesh): Observability {
    const o = config.observability;
    const canaries = serviceNames.flatMap((service) => {
        const canary = config.services[service].canary;
        return canary ? [{ service, stable: canary.stable, canary: canary.canary }] : [];
    });
    return new Observability(
        "observability",
        {
            config: o,
            collectorHost: config.istio.tracing.collector,
            istioVersion: config.istio.version,
            istioNamespace: istioSystemNamespace,
            // cert-manager's pods carry prometheus.io/* annotations (chart default): its Certificate metrics feed the certificate alerts.
            scrapeNamespaces: [config.namespace, istioSystemNamespace, mesh.ingressNamespace, ...(tlsAtGateway(config.edge) ? [config.edge.certificates.namespace] : [])],
            appNamespace: config.namespace,
            services: [...serviceNames],
            canaries,
            slo: sloThresholds(o.slo),
        },
        { provider: platform.provider, dependsOn: [...mesh.ready, ...(platform.volumeClass?.ready ?? [])] },
    );
}
