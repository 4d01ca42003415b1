// The local Prometheus: Debian's `prometheus` package (found, or named in the error), scraping
// every dev service through the cluster's own relabelling and loading the cluster's alert
// rules. The caller passes both in (tools/dev.ts renders them from the stack); this file only
// runs the server. `promote --local` reuses start, url, query and stop.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Child } from "./child";
import { DevError } from "./errors";
import { freePort } from "./ports";

/** What the stack decides: the scrape job's relabelling and the alert rule groups. */
export interface PrometheusSpec {
    readonly jobName: string;
    readonly scrapeInterval: string;
    /** The cluster's relabel_configs, applied to targets that carry the same __meta_ labels. */
    readonly relabelConfigs: readonly unknown[];
    readonly ruleGroups: readonly unknown[];
    /** Namespace the services run in, as the cluster's pod discovery would label them. */
    readonly namespace: string;
}

export interface ScrapeTarget {
    readonly service: string;
    readonly version: string;
    /** http://127.0.0.1:<port> of the process. */
    readonly url: string;
}

export interface LocalPrometheus {
    readonly url: string;
    readonly server: Child;
    /** Instant query; the result vector, or a DevError with Prometheus's own message. */
    query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
    stop(): Promise<boolean>;
}

/** $PROMETHEUS_BIN, Debian's /usr/bin/prometheus, else the first `prometheus` on $PATH. */
export function findPrometheus(): string {
    const candidates = [process.env.PROMETHEUS_BIN, "/usr/bin/prometheus", ...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, "prometheus"))];
    const found = candidates.find((file): file is string => !!file && existsSync(file));
    if (!found) {
        throw new DevError("prometheus not found: install Debian's prometheus package (apt-get install prometheus) or set PROMETHEUS_BIN to its binary");
    }
    return found;
}

/** A static target labelled like a discovered pod, so the cluster's relabelling applies unchanged. */
function discoveredPod(spec: PrometheusSpec, target: ScrapeTarget) {
    const { hostname, port } = new URL(target.url);
    return {
        targets: [`${hostname}:${port}`],
        labels: {
            __meta_kubernetes_namespace: spec.namespace,
            __meta_kubernetes_pod_name: `${target.service}-${target.version}-local`,
            __meta_kubernetes_pod_ip: hostname,
            __meta_kubernetes_pod_label_app: target.service,
            __meta_kubernetes_pod_annotation_prometheus_io_scrape: "true",
            __meta_kubernetes_pod_annotation_prometheus_io_port: port,
            __meta_kubernetes_pod_annotation_prometheus_io_path: "/metrics",
        },
    };
}

async function waitReady(url: string, server: Child, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (!server.running) throw new DevError(`${server.describeExit()} while starting. Last lines:\n${server.lastLines()}`);
        const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
        if (ready) return;
        if (Date.now() > deadline) throw new DevError(`Prometheus was not ready within ${timeoutMs} ms. Last lines:\n${server.lastLines()}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
}

/** Writes the config and rules under `stateDir` (JSON is YAML) and starts Prometheus on a free loopback port. */
export async function startLocalPrometheus(stateDir: string, spec: PrometheusSpec, targets: readonly ScrapeTarget[], echo = false): Promise<LocalPrometheus> {
    const binary = findPrometheus();
    mkdirSync(path.join(stateDir, "data"), { recursive: true });
    const rulesFile = path.join(stateDir, "rules.yml");
    const configFile = path.join(stateDir, "prometheus.yml");
    writeFileSync(rulesFile, JSON.stringify({ groups: spec.ruleGroups }, null, 1));
    writeFileSync(
        configFile,
        JSON.stringify(
            {
                global: { scrape_interval: spec.scrapeInterval, evaluation_interval: spec.scrapeInterval },
                rule_files: [rulesFile],
                scrape_configs: [{ job_name: spec.jobName, static_configs: targets.map((t) => discoveredPod(spec, t)), relabel_configs: spec.relabelConfigs }],
            },
            null,
            1,
        ),
    );
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = new Child({
        name: "prometheus",
        command: binary,
        args: [`--config.file=${configFile}`, `--storage.tsdb.path=${path.join(stateDir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--storage.tsdb.retention.time=1d"],
        echo,
    });
    try {
        await waitReady(url, server, 30_000);
    } catch (error) {
        await server.stop(5_000);
        throw error;
    }
    // `promote --local` finds this Prometheus here when no --prometheus is given.
    writeFileSync(path.join(stateDir, "url"), `${url}\n`);
    return {
        url,
        server,
        async query(expr) {
            const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
            const body = (await response.json()) as { status: string; error?: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
            if (body.status !== "success") throw new DevError(`Prometheus refused ${expr}: ${body.error}`);
            return body.data!.result;
        },
        async stop() {
            const exit = await server.stop(10_000);
            return !exit.killed && exit.code === 0;
        },
    };
}
