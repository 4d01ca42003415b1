// What a service contributes: its schema migrations and its routes. The runtime does the rest.
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { ServiceConfig } from "./config";
import type { Database } from "./database";
import type { DownstreamClient } from "./downstream";
import type { ServiceMetrics } from "./metrics";
import type { Migration } from "./migrations";
import type { ServiceName } from "./service-names";

export interface ServiceContext {
    readonly config: ServiceConfig;
    readonly db: Database;
    readonly downstream: DownstreamClient;
    readonly metrics: ServiceMetrics;
    readonly logger: Logger;
}

export interface ServiceModule {
    readonly name: ServiceName;
    readonly migrations: readonly Migration[];
    registerRoutes(app: FastifyInstance, context: ServiceContext): void;
}
