// The generated references, by path from the repository root, each with its generator:
// `npm run docs` writes them and test/program/reference.test.ts compares them with the committed files.
import { configReference } from "./configReference";
import { policyReference } from "./policyReference";

export const regenerate = "npm run docs";

export const references: Record<string, () => string> = {
    "docs/reference/config.md": () => configReference(),
    "docs/reference/policies.md": policyReference,
};
