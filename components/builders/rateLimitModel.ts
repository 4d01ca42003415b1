// Envoy's local rate limit semantics beside the builder that renders the filter (access.ts).
// The model itself lives in the policy pack, which must build without the program.
export * from "../../policies/lib/rateLimitModel";
