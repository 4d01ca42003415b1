// Runs the real program (infra/index.ts) under Pulumi's mock runtime and records every
// resource it registers with its inputs: what `pulumi preview` would send to the engine.
import { createHash } from "node:crypto";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { offlineFetch, offlineInvoke, providerComputedState, readState } from "./offlineCloud";
import { type StackFileConfig } from "./stackFile";

export interface CapturedResource {
    urn: string;
    type: string;
    name: string;
    /** False for ComponentResources. */
    custom: boolean;
    /** The id the offline run gave it, as other resources' inputs refer to it. */
    id: string;
    /** Set for resources read with `.get` rather than created. */
    readId?: string;
    /** Inputs with secrets revealed, as CrossGuard's policy host shows them to validators. */
    inputs: Record<string, unknown>;
    /** Inputs as the engine receives them: secret values still wrapped in Pulumi's secret marker. */
    markedInputs: Record<string, unknown>;
    /** URNs this resource waits for (`dependsOn` and resources its inputs came from). */
    dependencies: string[];
    /** URN of the explicit provider it is created through, if any: it waits for that provider's dependencies too. */
    provider?: string;
    /** Resource options the engine sees and the mocks do not pass on: inputs kept from the last run, protect, and the replace order. */
    ignoreChanges: string[];
    protect: boolean;
    deleteBeforeReplace: boolean;
}

export interface Capture {
    project: string;
    stack: string;
    resources: CapturedResource[];
    outputs: Record<string, unknown>;
}

export interface CaptureOptions {
    projectDir: string;
    project: string;
    stack: string;
    config: StackFileConfig;
    /** Program to evaluate; infra/index.ts unless a test evaluates one component on its own. */
    entry?: string;
}

type Registered = Omit<CapturedResource, "urn" | "dependencies" | "provider" | "ignoreChanges" | "protect" | "deleteBeforeReplace">;
type Options = Pick<CapturedResource, "dependencies" | "provider" | "ignoreChanges" | "protect" | "deleteBeforeReplace">;

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getDependenciesList(): string[];
    getProvider(): string;
    getIgnorechangesList(): string[];
    getProtect(): boolean;
    getDeletebeforereplace(): boolean;
}
interface MockMonitor {
    getRegisteredResources(): Map<string, unknown>;
    registerResource(request: RegisterRequest, callback: unknown): Promise<void>;
}

/** Evaluates the program once for the given stack config. Not reentrant: one capture at a time. */
export async function captureStack({ projectDir, project, stack, config, entry }: CaptureOptions): Promise<Capture> {
    const registered: Registered[] = [];
    pulumi.runtime.setAllConfig(config.values, config.secretKeys);
    await pulumi.runtime.setMocks(
        {
            newResource: ({ type, name, inputs, custom, id: readId }) => {
                const id = readId || `${name}-${shortHash(type)}`;
                registered.push({ type, name, id, custom: custom ?? false, ...(readId ? { readId } : {}), inputs: revealSecrets(inputs), markedInputs: inputs });
                // Computed state last: it extends inputs (an AKS oidcIssuerProfile gains its issuerURL).
                return { id, state: { ...inputs, ...providerComputedState(type, inputs), ...(readId ? readState(type, readId) : {}) } };
            },
            call: ({ token, inputs }) => offlineInvoke(token, inputs),
        },
        project,
        stack,
        false,
    );
    const dependencies = recordDependencies();

    const realFetch = globalThis.fetch;
    globalThis.fetch = offlineFetch;
    try {
        const exports = loadProgramFresh(entry ?? path.join(projectDir, "infra", "index.ts"), projectDir);
        await settle();
        const outputs = await resolveOutputs(exports);
        await settle();
        return { project, stack, resources: withUrns(registered, dependencies), outputs };
    } finally {
        globalThis.fetch = realFetch;
    }
}

/** Requires the program with a cold module cache, so its top level runs again for this capture. */
function loadProgramFresh(entry: string, projectDir: string): Record<string, unknown> {
    for (const cached of Object.keys(require.cache)) {
        if (cached.startsWith(projectDir) && !cached.includes(`${path.sep}node_modules${path.sep}`)) {
            delete require.cache[cached];
        }
    }
    return require(entry) as Record<string, unknown>;
}

/** Waits until the runtime has no registration or invoke in flight. */
async function settle(): Promise<void> {
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    await settings.waitForRPCs();
    await new Promise((resolve) => setImmediate(resolve));
    await settings.waitForRPCs();
}

async function resolveOutputs(exports: Record<string, unknown>): Promise<Record<string, unknown>> {
    const resolved: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(exports)) {
        resolved[key] = await resolveValue(value);
    }
    return resolved;
}

async function resolveValue(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        const output = value as unknown as { promise(): Promise<unknown>; isSecret: Promise<boolean> };
        return (await output.isSecret) ? "[secret]" : resolveValue(await output.promise());
    }
    if (Array.isArray(value)) {
        return Promise.all(value.map(resolveValue));
    }
    if (typeof value === "object" && value !== null) {
        const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveValue(v)] as const));
        return Object.fromEntries(entries);
    }
    return value;
}

function mockMonitor(): MockMonitor {
    return (require("@pulumi/pulumi/runtime/settings") as { getMonitor(): MockMonitor }).getMonitor();
}

/** The mocks API does not pass dependencies on, so read them off each registration request. */
function recordDependencies(): Map<string, Options> {
    const seen = new Map<string, Options>();
    const monitor = mockMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (request, callback) => {
        // A provider reference is `<urn>::<id>`.
        const provider = request.getProvider().split("::").slice(0, -1).join("::") || undefined;
        seen.set(`${request.getType()}::${request.getName()}`, {
            dependencies: [...request.getDependenciesList()].sort(),
            ...(provider ? { provider } : {}),
            ignoreChanges: [...request.getIgnorechangesList()],
            protect: request.getProtect(),
            deleteBeforeReplace: request.getDeletebeforereplace(),
        });
        return register(request, callback);
    };
    return seen;
}

/** Joins what the mocks saw with the URNs the mock monitor assigned (which carry the parent chain). */
function withUrns(registered: Registered[], dependencies: Map<string, Options>): CapturedResource[] {
    const urns = new Map<string, string>();
    for (const urn of mockMonitor().getRegisteredResources().keys()) {
        const [, , qualifiedType, name] = urn.split("::");
        const key = `${qualifiedType.split("$").pop()}::${name}`;
        if (urns.has(key)) {
            throw new Error(`two resources of type and name ${key}: give one of them a distinct name`);
        }
        urns.set(key, urn);
    }
    return registered.map((resource) => {
        const key = `${resource.type}::${resource.name}`;
        return { urn: urns.get(key) ?? "", ...resource, dependencies: [], ignoreChanges: [], protect: false, deleteBeforeReplace: false, ...dependencies.get(key) };
    });
}

// Pulumi's wire marker for a secret value; the mocks hand inputs over still wrapped in it.
const secretSig = "4dabf18193072939515e22adb298388d";
const secretMarker = "1b47061264138c4ac30d75fd1eb44270";

/** Unwraps secret markers, for tests and policies that read values as the policy host does. */
function revealSecrets<T>(value: T): T {
    if (Array.isArray(value)) {
        return value.map(revealSecrets) as T;
    }
    if (typeof value === "object" && value !== null) {
        const record = value as Record<string, unknown>;
        if (record[secretSig] === secretMarker) {
            return revealSecrets(record.value) as T;
        }
        return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, revealSecrets(v)])) as T;
    }
    return value;
}

function shortHash(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 8);
}
