// Configuration comes only from environment variables. Everything is validated once at
// start so a bad deployment fails fast with one line that names the variable.
import * as z from "zod";
import { downstreamsOf, serviceNames, urlVariable, type ServiceName } from "./service-names";

export class ConfigError extends Error {}

// Values never echoed in an error message: the database URL carries the password.
const secretVariables = new Set(["DATABASE_URL"]);

function describe(name: string, value: string | undefined): string {
    if (value === undefined) return "is not set";
    return secretVariables.has(name) ? "is not valid" : `is ${JSON.stringify(value)}`;
}

/** CHAOS_PORT when unset: the chaos control's loopback listener. */
export const defaultChaosPort = 9901;

const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const integer = (min: number, max: number) =>
    z.coerce
        .number({ error: `an integer from ${min} to ${max}` })
        .int({ error: `an integer from ${min} to ${max}` })
        .min(min, { error: `an integer from ${min} to ${max}` })
        .max(max, { error: `an integer from ${min} to ${max}` });

/** BODY_LIMIT_BYTES when unset; the dev router enforces the same limit. */
export const defaultBodyLimitBytes = 65_536;

const httpUrl = z.url({ protocol: /^https?$/, error: "an http:// or https:// URL" });

const baseSchema = z.object({
    SERVICE_NAME: z.enum(serviceNames, { error: `one of ${serviceNames.join("|")}` }),
    SERVICE_VERSION: z.string().regex(/^v\d+$/, { error: "a version like v1 or v2" }).default("v1"),
    PORT: integer(0, 65535).default(8080),
    HOST: z.string().min(1, { error: "a non-empty host name or address" }).default("0.0.0.0"),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "a postgres:// or postgresql:// URL" }),
    OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
    OTEL_SERVICE_NAME: z.string().min(1, { error: "a non-empty name" }).optional(),
    LOG_LEVEL: z.enum(logLevels, { error: `one of ${logLevels.join("|")}` }).default("info"),
    PAYMENT_FAILURE_RATE: z.coerce
        .number({ error: "a number from 0 to 1" })
        .min(0, { error: "a number from 0 to 1" })
        .max(1, { error: "a number from 0 to 1" })
        .default(0.1),
    PAYMENT_OUTAGE_RATE: z.coerce
        .number({ error: "a number from 0 to 1" })
        .min(0, { error: "a number from 0 to 1" })
        .max(1, { error: "a number from 0 to 1" })
        .default(0),
    // The chaos control (runtime/chaos.ts): off unless the stack's chaos.enabled sets it.
    CHAOS_ENABLED: z.enum(["true", "false"], { error: "true or false" }).default("false"),
    CHAOS_PORT: integer(0, 65535).default(defaultChaosPort),
    BODY_LIMIT_BYTES: integer(1, 10_485_760).default(defaultBodyLimitBytes),
    SHUTDOWN_GRACE_MS: integer(0, 600_000).default(10_000),
    SHUTDOWN_DELAY_MS: integer(0, 600_000).default(2_000),
    DOWNSTREAM_TIMEOUT_MS: integer(1, 600_000).default(3_000),
    DATABASE_POOL_MAX: integer(1, 100).default(10),
    DATABASE_STATEMENT_TIMEOUT_MS: integer(1, 600_000).default(5_000),
    ORDER_SWEEP_INTERVAL_MS: integer(0, 3_600_000).default(30_000),
    ORDER_SWEEP_AGE_MS: integer(0, 86_400_000).default(60_000),
    ORDER_SWEEP_MAX_ATTEMPTS: integer(1, 1000).default(10),
});

/** Every variable the schema reads (the <SERVICE>_URL ones come from service-names). */
export const environmentVariables = Object.keys(baseSchema.shape);

export interface ServiceConfig {
    readonly service: ServiceName;
    readonly version: string;
    readonly port: number;
    readonly host: string;
    readonly databaseUrl: string;
    /** Most connections the pool opens; the deploy sizes it so all pods fit the server. */
    readonly databasePoolMax: number;
    /** PostgreSQL's statement_timeout for every query of the pool: a stuck statement fails instead of holding a connection. */
    readonly databaseStatementTimeoutMs: number;
    /** Base URLs of the services this one calls, and only those. */
    readonly downstreams: Readonly<Partial<Record<ServiceName, string>>>;
    readonly otlpEndpoint: string | undefined;
    readonly otelServiceName: string;
    readonly logLevel: (typeof logLevels)[number];
    /** Share of charges declined (402, final). */
    readonly paymentFailureRate: number;
    /** Share of charges answered as a provider outage (503, retryable). */
    readonly paymentOutageRate: number;
    /** The chaos control: absent unless enabled, then on 127.0.0.1:port only. */
    readonly chaos: { readonly enabled: boolean; readonly port: number };
    readonly bodyLimitBytes: number;
    readonly shutdownGraceMs: number;
    /** Time spent reporting not-ready while still serving, so the mesh stops routing here first. */
    readonly shutdownDelayMs: number;
    readonly downstreamTimeoutMs: number;
    /** order only: how often pending orders are swept (0: never), how old they must be, and how many sweeps before one is marked failed. */
    readonly orderSweep: { readonly intervalMs: number; readonly ageMs: number; readonly maxAttempts: number };
}

type Env = Readonly<Record<string, string | undefined>>;

/** Parses the environment; throws ConfigError with a one-line message on the first problem. */
export function loadConfig(env: Env): ServiceConfig {
    // Empty strings count as unset, as they do when a manifest leaves a value blank.
    const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
    const parsed = baseSchema.safeParse(present);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const name = String(issue.path[0]);
        throw new ConfigError(`invalid environment: ${name} ${describe(name, present[name])}; expected ${issue.message}`);
    }
    const values = parsed.data;
    const downstreams: Partial<Record<ServiceName, string>> = {};
    for (const target of downstreamsOf[values.SERVICE_NAME]) {
        const name = urlVariable(target);
        const url = httpUrl.safeParse(present[name]);
        if (!url.success) {
            throw new ConfigError(
                `invalid environment: ${name} ${describe(name, present[name])}; expected an http:// or https:// URL (${values.SERVICE_NAME} calls ${target})`,
            );
        }
        downstreams[target] = url.data.replace(/\/+$/, "");
    }
    return {
        service: values.SERVICE_NAME,
        version: values.SERVICE_VERSION,
        port: values.PORT,
        host: values.HOST,
        databaseUrl: values.DATABASE_URL,
        databasePoolMax: values.DATABASE_POOL_MAX,
        databaseStatementTimeoutMs: values.DATABASE_STATEMENT_TIMEOUT_MS,
        downstreams,
        otlpEndpoint: values.OTEL_EXPORTER_OTLP_ENDPOINT,
        otelServiceName: values.OTEL_SERVICE_NAME ?? values.SERVICE_NAME,
        logLevel: values.LOG_LEVEL,
        paymentFailureRate: values.PAYMENT_FAILURE_RATE,
        paymentOutageRate: values.PAYMENT_OUTAGE_RATE,
        chaos: { enabled: values.CHAOS_ENABLED === "true", port: values.CHAOS_PORT },
        bodyLimitBytes: values.BODY_LIMIT_BYTES,
        shutdownGraceMs: values.SHUTDOWN_GRACE_MS,
        shutdownDelayMs: Math.min(values.SHUTDOWN_DELAY_MS, Math.floor(values.SHUTDOWN_GRACE_MS / 2)),
        downstreamTimeoutMs: values.DOWNSTREAM_TIMEOUT_MS,
        orderSweep: { intervalMs: values.ORDER_SWEEP_INTERVAL_MS, ageMs: values.ORDER_SWEEP_AGE_MS, maxAttempts: values.ORDER_SWEEP_MAX_ATTEMPTS },
    };
}
