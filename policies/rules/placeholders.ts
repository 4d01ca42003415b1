// The shipped example tenant in the gateway's token rules: every token would be rejected. The
// program refuses it under a real engine (stacks/placeholders.ts); offline this advisory says so.

import { exampleGuid } from "../lib/exampleIds";
import { asArray, asObject, asString, ref } from "../lib/k8s";
import { meshIndex } from "../lib/meshIndex";
import { report } from "../lib/report";
import type { StackPolicy } from "../lib/types";

const placeholderTenant = exampleGuid;

export const authPlaceholder: StackPolicy = {
    name: "auth-placeholder",
    description:
        "No RequestAuthentication trusts the placeholder tenant (00000000-0000-0000-0000-000000000000) the shipped stack files carry in auth.issuer and auth.jwksUri: Envoy would reject every token. Advisory, so the shipped examples stay checkable offline; `pulumi preview` and `pulumi up` refuse it. Equivalent: none; Istio RequestAuthentication JWTRule issuer and jwksUri.",
    enforcementLevel: "advisory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        for (const object of meshIndex(args.resources).kind("RequestAuthentication")) {
            asArray(object.spec.jwtRules).forEach((raw, i) => {
                const rule = asObject(raw);
                for (const field of ["issuer", "jwksUri"]) {
                    const value = asString(rule[field]);
                    if (!value?.includes(placeholderTenant)) continue;
                    report(reportViolation, {
                        urn: object.urn,
                        message: `${ref(object)}: jwtRules[${i}].${field} ${value} holds the placeholder tenant ${placeholderTenant}; every token would be rejected`,
                        fix: `Set the stack key auth.${field} to your identity provider's value (pulumi config set --path auth.${field} <url>).`,
                    });
                }
            });
        }
    },
};

export const placeholderPolicies = [authPlaceholder];
