// Trace context in and out. Incoming W3C (`traceparent`) or B3 (`x-b3-*`, Envoy's default)
// headers are read, and both formats are written on every downstream call, because Envoy
// only joins spans into one trace when the application forwards them. Spans are exported
// over OTLP/HTTP only when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise the API's no-op
// tracer keeps the incoming ids, which is exactly what forwarding needs.
import { randomFillSync } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import {
    ROOT_CONTEXT,
    SpanKind,
    TraceFlags,
    defaultTextMapGetter,
    defaultTextMapSetter,
    trace,
    type Context,
    type Span,
} from "@opentelemetry/api";
import { CompositePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { B3InjectEncoding, B3Propagator } from "@opentelemetry/propagator-b3";
import type { ServiceConfig } from "./config";

const propagator = new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER })],
});

// Looked up per span, not once at load: a tracer taken before the SDK registers its
// provider would stay a no-op (the SDK is imported as ESM with its own API proxy).
const tracer = () => trace.getTracer("ecommerce-mesh-services");

/** Istio's request id is not trace context, but Envoy expects it forwarded as is. */
export const REQUEST_ID_HEADER = "x-request-id";

export interface TracingHandle {
    shutdown(): Promise<void>;
}

/** Starts span export when an OTLP endpoint is configured. Call once per process, before serving. */
export async function startTracing(config: ServiceConfig): Promise<TracingHandle> {
    if (!config.otlpEndpoint) return { shutdown: async () => {} };
    // Loaded lazily: the SDK is large and most local runs do not export.
    const { NodeSDK } = await import("@opentelemetry/sdk-node");
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    const { resourceFromAttributes } = await import("@opentelemetry/resources");
    const { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } = await import("@opentelemetry/semantic-conventions");
    const sdk = new NodeSDK({
        resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.otelServiceName, [ATTR_SERVICE_VERSION]: config.version }),
        traceExporter: new OTLPTraceExporter({ url: `${config.otlpEndpoint.replace(/\/+$/, "")}/v1/traces` }),
        textMapPropagator: propagator,
        // Metrics go through prom-client and logs through pino; only traces use OTLP.
        metricReaders: [],
        logRecordProcessors: [],
    });
    sdk.start();
    return { shutdown: () => sdk.shutdown() };
}

export interface RequestTrace {
    readonly context: Context;
    readonly span: Span;
    readonly traceId: string;
}

// Random bytes for made-up trace ids, filled a few kilobytes at a time: one randomBytes()
// call per id was 7% of the product service's CPU under load.
const randomPool = Buffer.alloc(4096);
let randomOffset = randomPool.length;

function randomHex(bytes: number): string {
    if (randomOffset + bytes > randomPool.length) {
        randomFillSync(randomPool);
        randomOffset = 0;
    }
    randomOffset += bytes;
    return randomPool.toString("hex", randomOffset - bytes, randomOffset);
}

/**
 * Starts the server span for an incoming request. Without an exporter and without incoming
 * trace headers a fresh, unsampled trace id is made up so logs across services still join.
 */
export function startServerSpan(name: string, headers: IncomingHttpHeaders): RequestTrace {
    const parent = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    let span = tracer().startSpan(name, { kind: SpanKind.SERVER }, parent);
    if (!span.isRecording() && !trace.isSpanContextValid(span.spanContext())) {
        span = trace.wrapSpanContext({
            traceId: randomHex(16),
            spanId: randomHex(8),
            traceFlags: TraceFlags.NONE,
        });
    }
    return { context: trace.setSpan(parent, span), span, traceId: span.spanContext().traceId };
}

/** Starts a client span under `parent` and returns the headers that carry it downstream. */
export function startClientSpan(name: string, parent: Context): { span: Span; headers: Record<string, string> } {
    const span = tracer().startSpan(name, { kind: SpanKind.CLIENT }, parent);
    const headers: Record<string, string> = {};
    propagator.inject(trace.setSpan(parent, span), headers, defaultTextMapSetter);
    return { span, headers };
}
