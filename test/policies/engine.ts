// Drives the policy pack through the analyzer gRPC protocol the Pulumi engine speaks: starts
// policies/ with @pulumi/pulumi's run-policy-pack (TypeScript type-checked, as `pulumi preview
// --policy-pack policies` does), configures it, then calls AnalyzeStack and Analyze per resource.
// Lets the tests check the offline runner against the real policy SDK server.

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import type { CapturedResource } from "../../tools/capture/capture";
import type { ResolvedPolicy } from "../../policies/runner";

const policiesDir = path.resolve(__dirname, "..", "..", "policies");
// Found the way the Pulumi CLI finds it: Node's resolution from the pack's folder (with npm
// workspaces, the SDK is installed once, in the root node_modules).
const runPolicyPack = () => resolveFromPack("@pulumi/pulumi/cmd/run-policy-pack");
const resolveFromPack = (id: string) => require.resolve(id, { paths: [policiesDir] });
const fromPack = (id: string) => require(resolveFromPack(id));

export const packInstalled = () => {
    try {
        return existsSync(resolveFromPack("@pulumi/policy/package.json"));
    } catch {
        return false;
    }
};

/** Pulumi's wire value for "unknown during preview". */
export const unknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface EngineDiagnostic {
    policy: string;
    enforcementLevel: "advisory" | "mandatory" | "other";
    urn: string;
    message: string;
}

export class PolicyPackProcess {
    private constructor(
        private readonly child: ChildProcess,
        private readonly client: any,
    ) {}

    static async start(): Promise<PolicyPackProcess> {
        const grpc = fromPack("@grpc/grpc-js");
        const services = fromPack("@pulumi/pulumi/proto/analyzer_grpc_pb.js");
        const child = spawn(process.execPath, [runPolicyPack(), "127.0.0.1:1", "."], { cwd: policiesDir, stdio: ["ignore", "pipe", "pipe"] });
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            let err = "";
            child.stdout!.on("data", (chunk) => {
                out += chunk;
                const match = /^(\d+)\s*$/m.exec(out);
                if (match) resolve(Number(match[1]));
            });
            child.stderr!.on("data", (chunk) => (err += chunk));
            child.on("exit", (code) => reject(new Error(`policy pack exited with ${code}: ${err}`)));
        });
        const client = new services.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        return new PolicyPackProcess(child, client);
    }

    stop(): void {
        this.client.close();
        this.child.kill();
    }

    private call<T>(method: string, request: unknown): Promise<T> {
        return new Promise((resolve, reject) => this.client[method](request, (error: Error | null, response: T) => (error ? reject(error) : resolve(response))));
    }

    async policyNames(): Promise<{ name: string; enforcementLevel: number }[]> {
        const { Empty } = fromPack("google-protobuf/google/protobuf/empty_pb.js");
        const info: any = await this.call("getAnalyzerInfo", new Empty());
        return info.getPoliciesList().map((p: any) => ({ name: p.getName(), enforcementLevel: p.getEnforcementlevel() }));
    }

    /** Sends the reconciled config, as the CLI does after reading --policy-pack-config. */
    async configure(resolved: ResolvedPolicy[]): Promise<void> {
        const proto = fromPack("@pulumi/pulumi/proto/analyzer_pb.js");
        const { Struct } = fromPack("google-protobuf/google/protobuf/struct_pb.js");
        const request = new proto.ConfigureAnalyzerRequest();
        for (const { policy, enforcementLevel, properties } of resolved) {
            const config = new proto.PolicyConfig();
            config.setEnforcementlevel(proto.EnforcementLevel[enforcementLevel.toUpperCase()]);
            config.setProperties(Struct.fromJavaScript(properties));
            request.getPolicyconfigMap().set(policy.name, config);
        }
        await this.call("configure", request);
    }

    private resource(proto: any, Struct: any, r: CapturedResource, target: any) {
        const options = new proto.AnalyzerResourceOptions();
        target.setType(r.type);
        target.setUrn(r.urn);
        target.setName(r.name);
        target.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(r.inputs))));
        target.setOptions(options);
        return target;
    }

    /** Diagnostics of AnalyzeStack over all resources plus Analyze on each one. */
    async analyze(resources: CapturedResource[]): Promise<EngineDiagnostic[]> {
        const proto = fromPack("@pulumi/pulumi/proto/analyzer_pb.js");
        const { Struct } = fromPack("google-protobuf/google/protobuf/struct_pb.js");
        const level = (value: number) => (value === proto.EnforcementLevel.ADVISORY ? "advisory" : value === proto.EnforcementLevel.MANDATORY ? "mandatory" : "other");
        const collect = (response: any, urn?: string): EngineDiagnostic[] =>
            response.getDiagnosticsList().map((d: any) => ({ policy: d.getPolicyname(), enforcementLevel: level(d.getEnforcementlevel()), urn: d.getUrn() || urn || "", message: d.getMessage() }));
        const stack = new proto.AnalyzeStackRequest();
        stack.setResourcesList(resources.map((r) => this.resource(proto, Struct, r, new proto.AnalyzerResource())));
        const diagnostics = collect(await this.call("analyzeStack", stack));
        for (const r of resources) {
            diagnostics.push(...collect(await this.call("analyze", this.resource(proto, Struct, r, new proto.AnalyzeRequest())), r.urn));
        }
        return diagnostics;
    }
}
