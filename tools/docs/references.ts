// The generated references, by path from the repository root: `npm run docs` writes them and
// test/program/reference.test.ts compares them with the committed files.
import { policyReference } from "./policyReference";

export const regenerate = "npm run docs";

export function references(): Record<string, string> {
    return { "docs/reference/policies.md": policyReference() };
}
