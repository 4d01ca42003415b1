// JSON logs on stdout. Every line names the service and version; request logs add the
// trace id (see tracing.ts) so logs and traces can be joined.
import pino, { type DestinationStream, type Logger } from "pino";
import type { ServiceConfig } from "./config";

export function createLogger(config: ServiceConfig, destination?: DestinationStream): Logger {
    const options = {
        level: config.logLevel,
        base: { service: config.service, version: config.version },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label: string) => ({ level: label }) },
    };
    // Synchronous stdout by default: the last lines before an exit must not be lost.
    return destination ? pino(options, destination) : pino(options);
}
