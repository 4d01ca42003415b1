// Shared by the program tests: capture a shipped stack, optionally with `--path` overrides,
// and look resources up by kind and name.
import * as path from "node:path";
import { expect } from "chai";
import { fromPulumiConfig, loadStackConfig, StackConfigError } from "../../stacks";
import { type Capture, type CapturedResource, captureStack } from "../../tools/capture/capture";
import { readStackFile, setConfigPath, type StackFileConfig } from "../../tools/capture/stackFile";

export const projectDir = path.resolve(__dirname, "..", "..");
export const project = "ecommerce-mesh";
export const shippedStacks = ["local", "dev", "prod"] as const;

export function stackConfig(stack: string, ...assignments: string[]): StackFileConfig {
    const config = readStackFile(projectDir, stack, project);
    for (const assignment of assignments) {
        setConfigPath(config, project, assignment);
    }
    return config;
}

// One capture per distinct stack and overrides per test run, shared by every test file (the
// program and the policy tests alike): a capture evaluates the whole program under mocks, the
// slowest step of the suite. Each caller gets its own copy, so a test that edits one cannot
// change what the next one reads. The map hangs off globalThis because each capture clears the
// project's modules from require's cache (tools/capture), this one included.
const captures: Map<string, Promise<Capture>> = ((globalThis as Record<symbol, unknown>)[Symbol.for("ecommerce-mesh.captures")] ??= new Map()) as Map<string, Promise<Capture>>;

export async function capture(stack: string, ...assignments: string[]): Promise<Capture> {
    const key = JSON.stringify([stack, ...assignments]);
    let captured = captures.get(key);
    if (!captured) {
        captured = captureStack({ projectDir, project, stack, config: stackConfig(stack, ...assignments) });
        captures.set(key, captured);
        captured.catch(() => captures.delete(key)); // a failed capture is not remembered
    }
    return structuredClone(await captured);
}

/** A capture of its own, never shared: for a test that changes the runtime the program sees (pulumi.runtime.hasEngine). */
export function captureUncached(stack: string, ...assignments: string[]): Promise<Capture> {
    return captureStack({ projectDir, project, stack, config: stackConfig(stack, ...assignments) });
}

/** Resources of a type token suffix such as `apps/v1:Deployment` or `networking.istio.io/v1:VirtualService`. */
export function ofKind(capture: Capture, kind: string): CapturedResource[] {
    return capture.resources.filter((r) => r.type === `kubernetes:${kind}` || r.type === kind);
}

export function one(capture: Capture, kind: string, name: string): CapturedResource {
    const found = ofKind(capture, kind).filter((r) => r.name === name);
    if (found.length !== 1) {
        throw new Error(`expected one ${kind} named ${name}, found ${found.length}`);
    }
    return found[0];
}

// Captured inputs are plain JSON; tests read them through this loose view.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
export const spec = (resource: CapturedResource): Json => (resource.inputs as Json).spec;

/** The config errors a stack file with `key.path=value` overrides is rejected with (fails the test when it loads). */
export function problemsFor(stack: string, ...assignments: string[]): string[] {
    try {
        loadStackConfig(fromPulumiConfig(stackConfig(stack, ...assignments).values));
    } catch (error) {
        expect(error).to.be.instanceOf(StackConfigError);
        return (error as StackConfigError).problems;
    }
    throw new Error(`expected ${assignments.join(" ")} to be rejected`);
}

/** A `--path` edit the config must refuse, and the line (or a pattern of it) that names the key. */
export interface BadInput {
    readonly stack?: string;
    readonly set: string[];
    readonly line: string | RegExp;
}

/** One test per bad input: the edit on its stack (prod by default) is refused with that line. */
export function itRejectsNamingTheKey(badInputs: readonly BadInput[]): void {
    for (const { stack = "prod", set, line } of badInputs) {
        it(`rejects ${set.join(" ")} naming the key`, () => {
            const problems = problemsFor(stack, ...set);
            if (typeof line === "string") {
                expect(problems).to.include(line);
            } else {
                expect(problems.some((p) => line.test(p)), `no line matches ${line} in:\n${problems.join("\n")}`).to.equal(true);
            }
        });
    }
}
