// Reads the current stack's config through Pulumi and validates it against the schema.
import * as pulumi from "@pulumi/pulumi";
import { fromPulumiConfig, loadStackConfig } from "./load";

export { catalog, containerPort, downstreamUrlEnv, servicePort, serviceNames, type ServiceName } from "./catalog";
export { formatDuration, maxRouteTimeoutMs, parseDuration } from "./durations";
export { fromPulumiConfig, loadStackConfig, overlay, projectName, StackConfigError } from "./load";
export type { ServiceConfig, StackConfig } from "./schema";

/** The validated config of the running stack. */
export function readStackConfig() {
    return loadStackConfig(fromPulumiConfig(pulumi.runtime.allConfig()));
}
