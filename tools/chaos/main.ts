// `npm run chaos`: starts, lists or clears chaos scenarios on a service's instances.
// Reads the stack as render does and refuses a stack whose chaos.enabled is false.
import path from "node:path";
import { UsageError } from "../render/args";
import { InputError, loadStackInput } from "../render/evaluate";
import { parseChaosArgs, usage, type ChaosAction } from "./args";
import { devChaosFile, devControls, TargetError, type Control } from "./targets";

const projectDir = path.resolve(__dirname, "..", "..");

interface Outcome {
    readonly ok: boolean;
    readonly line: string;
}

async function call(url: string, method: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${url}/chaos`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(5_000),
    });
    return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
}

/** One line for a control's state: what it injects, and for how long still. */
export function describeState(state: Record<string, unknown>): string {
    if (!state.active) return "no chaos";
    const parts: string[] = [];
    if (Number(state.errorRate) > 0) parts.push(`errors ${Math.round(Number(state.errorRate) * 100)}% (${state.errorAnswer})`);
    if (Number(state.latencyMs) > 0) parts.push(`latency ${state.latencyMs}${state.latencyMaxMs !== undefined ? `-${state.latencyMaxMs}` : ""} ms`);
    return `${parts.join(", ")} on ${state.route ?? "every API route"}, ${state.remainingSeconds}s left`;
}

export async function apply(control: Control, action: ChaosAction, version: string | undefined): Promise<Outcome | undefined> {
    const label = (service: unknown, v: unknown) => `${service} ${v ?? ""} ${control.url}`.replace(/ +/g, " ");
    try {
        // A port-forwarded control says which service it is; npm run dev's file already did.
        const current = control.service ? undefined : await call(control.url, "GET");
        const service = control.service ?? current?.body.service;
        const instanceVersion = control.version ?? current?.body.version;
        const wanted = action.kind === "set" ? action.service : action.kind === "clear" ? action.service : undefined;
        if ((wanted && service !== wanted) || (version && instanceVersion !== version)) return undefined;
        const answer = action.kind === "set" ? await call(control.url, "PUT", action.request) : action.kind === "clear" ? await call(control.url, "DELETE") : (current ?? (await call(control.url, "GET")));
        if (answer.status !== 200) return { ok: false, line: `${label(service, instanceVersion)}: ${answer.status} ${answer.body.error ?? ""}`.trim() };
        const state = action.kind === "clear" ? (answer.body.cleared ? "cleared" : "nothing to clear") : describeState(answer.body);
        return { ok: true, line: `${label(service, instanceVersion)}: ${state}` };
    } catch (error) {
        return { ok: false, line: `${label(control.service ?? "?", control.version)}: unreachable (${(error as Error).message})` };
    }
}

export async function runChaos(argv: string[], env: NodeJS.ProcessEnv = process.env, print: (line: string) => void = console.log): Promise<number> {
    let args;
    try {
        args = parseChaosArgs(argv);
        if (args.help) {
            print(usage);
            return 0;
        }
        const config = loadStackInput(projectDir, args.stack, args.sets);
        if (!config.chaos.enabled) {
            throw new UsageError(`chaos.enabled is false in stack ${args.stack}: its services run no chaos control. Set it with pulumi config set --path chaos.enabled true -s ${args.stack} (never in prod: policy no-chaos-in-prod)`);
        }
    } catch (error) {
        if (error instanceof UsageError) print(`npm run chaos: ${error.message}`);
        else if (error instanceof InputError) print(`npm run chaos: invalid stack config:\n${error.message}`);
        else throw error;
        return 2;
    }
    let controls: Control[];
    try {
        controls = args.controls.length ? args.controls.map((url) => ({ url })) : devControls(devChaosFile(env));
    } catch (error) {
        if (!(error instanceof TargetError)) throw error;
        print(`npm run chaos: ${error.message}`);
        return 2;
    }
    const outcomes = (await Promise.all(controls.map((control) => apply(control, args.action, args.version)))).filter((o): o is Outcome => o !== undefined);
    if (!outcomes.length) {
        print(`npm run chaos: no instance of ${args.action.kind === "list" ? "any service" : (args.action.service ?? "any service")}${args.version ? ` ${args.version}` : ""} among ${controls.length} chaos controls`);
        return 1;
    }
    outcomes.forEach((o) => print(o.line));
    return outcomes.every((o) => o.ok) ? 0 : 1;
}

if (require.main === module) {
    runChaos(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (error) => {
            console.error(`npm run chaos: ${(error as Error).stack ?? error}`);
            process.exit(1);
        },
    );
}
