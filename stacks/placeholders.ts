// The shipped stack files carry example values a real deploy must replace: the all-zero tenant
// id in auth.issuer and auth.jwksUri (every token would be rejected). Offline runs (npm run
// check, render, tests: Pulumi's mocks, no engine) keep them checkable; a run with a real engine
// (pulumi preview / up) refuses them before touching the cluster.
import type { StackConfig } from "./schema";
import { StackConfigError } from "./load";

/** The tenant id the shipped examples use; no Entra tenant has it. */
export const placeholderTenant = "00000000-0000-0000-0000-000000000000";

/** The config keys that still hold a placeholder, with their values. */
export function placeholderKeys(config: Pick<StackConfig, "auth">): { key: string; value: string }[] {
    const keys: [string, string | undefined][] = [
        ["auth.issuer", config.auth.issuer],
        ["auth.jwksUri", config.auth.jwksUri],
    ];
    return keys.filter((entry): entry is [string, string] => entry[1]?.includes(placeholderTenant) === true).map(([key, value]) => ({ key, value }));
}

/** Throws when a real engine deploys a stack that still holds placeholders (engineAttached: pulumi.runtime.hasEngine()). */
export function refusePlaceholders(config: Pick<StackConfig, "auth">, engineAttached: boolean): void {
    const found = placeholderKeys(config);
    if (!engineAttached || found.length === 0) return;
    throw new StackConfigError(
        found.map(({ key, value }) => `${key}: ${value} holds the placeholder tenant ${placeholderTenant}; set your identity provider's value (README: Who may call what), e.g. pulumi config set --path ${key} <url>`),
    );
}
