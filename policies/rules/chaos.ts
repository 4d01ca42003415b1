// No chaos control in production: a pod started with CHAOS_ENABLED=true can be made to fail or
// stall real customers' requests by anyone who may port-forward to it (docs/canary.md#chaos-at-run-time).

import { asObject, asString, containersOf, k8sObject, materialize, podTemplate, ref } from "../lib/k8s";
import { report } from "../lib/report";
import type { ResourcePolicy } from "../lib/types";

/** The services' switch for the control (services/src/runtime/config.ts); the pack does not import the services. */
export const chaosVariable = "CHAOS_ENABLED";

export const noChaosInProd: ResourcePolicy = {
    name: "no-chaos-in-prod",
    description:
        "No container runs the services' chaos control (environment CHAOS_ENABLED=true, from the stack key chaos.enabled, or CHAOS_ENABLED from a ConfigMap or Secret, which the check cannot read), which fails or delays requests on demand. Mandatory in prod, where a leftover scenario fails real customers; disabled elsewhere, where chaos is how the breakers, retries and timeouts are shown working. Equivalent: none in istioctl/Kyverno/Gatekeeper; a production-readiness check like no-fault-injection.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args, reportViolation) => {
        const object = k8sObject(args, asObject(materialize(args.props)));
        const pod = object && podTemplate(object);
        if (!object || !pod) return;
        for (const c of containersOf(pod.spec)) {
            const entries = (c.container.env ?? []).filter((e: { name?: unknown }) => e.name === chaosVariable) as { value?: unknown; valueFrom?: unknown }[];
            if (entries.some((e) => asString(e.value)?.toLowerCase() === "true")) {
                report(reportViolation, {
                    message: `${ref(object)}: container "${c.name}" runs the chaos control (${chaosVariable}=true)`,
                    fix: "Set the stack key chaos.enabled to false (pulumi config set --path chaos.enabled false): the pods then have no chaos control at all.",
                });
            } else if (entries.some((e) => e.valueFrom !== undefined)) {
                // A ConfigMap or Secret can say true after the check: only a literal value can be judged.
                report(reportViolation, {
                    message: `${ref(object)}: container "${c.name}" takes ${chaosVariable} from valueFrom, which this check cannot read`,
                    fix: `Set ${chaosVariable} as a literal value (the program writes "false" or leaves it out), never from a ConfigMap or Secret.`,
                });
            }
        }
    },
};

export const chaosPolicies = [noChaosInProd];
