// Prometheus metrics. Each service instance gets its own registry so several services can
// run in one process (tests, the local dev runner) without clashing.
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export class ServiceMetrics {
    readonly registry = new Registry();
    readonly httpRequests = new Counter({
        name: "http_requests_total",
        help: "HTTP requests answered, by route template and status code",
        labelNames: ["method", "route", "status"] as const,
        registers: [this.registry],
    });
    readonly httpDuration = new Histogram({
        name: "http_request_duration_seconds",
        help: "Time to answer an HTTP request",
        labelNames: ["method", "route", "status"] as const,
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [this.registry],
    });
    readonly downstreamRequests = new Counter({
        name: "downstream_requests_total",
        help: "Calls to other services, by target and outcome (HTTP status, timeout or unreachable)",
        labelNames: ["target", "status"] as const,
        registers: [this.registry],
    });
    readonly businessEvents = new Counter({
        name: "business_events_total",
        help: "Domain events such as orders placed or payments charged, by outcome",
        labelNames: ["event", "status"] as const,
        registers: [this.registry],
    });

    constructor(service: string, version: string) {
        this.registry.setDefaultLabels({ service, version });
        collectDefaultMetrics({ register: this.registry });
    }
}
