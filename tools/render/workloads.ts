// The objects `npm run dev -- --containers` runs: a stack's Deployments, Secrets and ConfigMaps
// as the program renders them, with the Secrets' real values (a render masks them; a
// container needs them). Kept apart from the render so nothing else sees unmasked secrets.
import { evaluateStack } from "./evaluate";

export const workloadTypes = ["kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Secret", "kubernetes:core/v1:ConfigMap"];

export async function renderWorkloads(projectDir: string, stack: string): Promise<Record<string, unknown>[]> {
    const capture = await evaluateStack(projectDir, stack, []);
    return capture.resources.filter((r) => r.custom && workloadTypes.includes(r.type)).map((r) => r.inputs);
}
