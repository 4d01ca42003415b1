// Reads the current stack's config through Pulumi and validates it against the schema.
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig, projectName } from "./load";

export { catalog, containerPort, downstreamUrlEnv, servicePort, serviceNames, type ServiceName } from "./catalog";
export { formatDuration, parseDuration } from "./durations";
export { loadStackConfig, overlay, projectName, StackConfigError } from "./load";
export type { ServiceConfig, StackConfig } from "./schema";

/**
 * The stack's `ecommerce-mesh:*` keys, each parsed from the JSON Pulumi stores for structured
 * values. Keys of other namespaces (azure-native:location, ...) belong to providers.
 */
export function rawStackConfig(): Record<string, unknown> {
    const prefix = `${projectName}:`;
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (key.startsWith(prefix)) {
            raw[key.slice(prefix.length)] = parseConfigValue(value);
        }
    }
    return raw;
}

function parseConfigValue(value: string): unknown {
    // Structured values arrive as JSON; top-level scalars (`environment: prod`) as plain text.
    if (/^\s*[[{]/.test(value)) {
        try {
            return JSON.parse(value);
        } catch {
            return value;
        }
    }
    return value;
}

/** The validated config of the running stack. */
export function readStackConfig() {
    return loadStackConfig(rawStackConfig());
}
