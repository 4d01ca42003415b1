// What the local Prometheus of `npm run dev` runs, rendered from the stack exactly as the
// cluster's is: the same scrape relabelling and the same alert rule groups.
import { alertGroups, sloThresholds } from "../components/observability/rules";
import { podRelabelling, scrapeJobName } from "../components/observability/scrape";
import { serviceNames, type StackConfig } from "../stacks";

/** Scrape often locally: a short dev session should fill the dashboards' one-minute windows. */
const localScrapeInterval = "5s";

export function localPrometheusSpec(config: StackConfig) {
    const o = config.observability;
    return {
        jobName: scrapeJobName,
        scrapeInterval: localScrapeInterval,
        relabelConfigs: podRelabelling,
        namespace: config.namespace,
        ruleGroups: alertGroups({
            namespace: config.namespace,
            services: [...serviceNames],
            canaries: serviceNames.flatMap((service) => {
                const canary = config.services[service].canary;
                return canary ? [{ service, stable: canary.stable, canary: canary.canary }] : [];
            }),
            slo: sloThresholds(o.slo),
        }),
    };
}
