// Evaluates the real program for one stack file (plus --set overrides) through the capture
// harness, turning the ways that can fail on input into an InputError with readable lines.
import * as pulumi from "@pulumi/pulumi";
import { type Capture, captureStack } from "../capture/capture";
import { readStackFile, setConfigPath, StackFileError, type StackFileConfig } from "../capture/stackFile";
import { fromPulumiConfig, loadStackConfig, StackConfigError, type StackConfig } from "../../stacks";
import { validStackName } from "./args";

export const projectName = "ecommerce-mesh";

/** Bad input (unknown stack, bad --set, invalid config): exit 2, the lines are the message. */
export class InputError extends Error {
    constructor(readonly lines: string[]) {
        super(lines.join("\n"));
        this.name = "InputError";
    }
}

/** Pulumi.<stack>.yaml with the --set overrides applied, as the program will receive it. */
export function readStackInput(projectDir: string, stack: string, sets: string[]): StackFileConfig {
    if (!validStackName(stack)) {
        throw new InputError([`--stack ${JSON.stringify(stack)}: not a stack name (letters, digits, '-', '_', '.')`]);
    }
    let config;
    try {
        config = readStackFile(projectDir, stack, projectName);
        for (const assignment of sets) {
            try {
                setConfigPath(config, projectName, assignment);
            } catch (error) {
                throw error instanceof StackFileError ? error : new StackFileError(`--set ${assignment}: ${firstLine(error)}`);
            }
        }
    } catch (error) {
        if (error instanceof StackFileError) {
            throw new InputError([error.message]);
        }
        throw error;
    }
    return config;
}

/** The validated config of a stack, its errors as the same lines `render` prints (verify, promote). */
export function loadStackInput(projectDir: string, stack: string, sets: string[]): StackConfig {
    try {
        return loadStackConfig(fromPulumiConfig(readStackInput(projectDir, stack, sets).values));
    } catch (error) {
        if (error instanceof StackConfigError) {
            throw new InputError(error.message.split("\n").map((line) => line.trimEnd()).filter(Boolean));
        }
        throw error;
    }
}

export async function evaluateStack(projectDir: string, stack: string, sets: string[]): Promise<Capture> {
    const config = readStackInput(projectDir, stack, sets);
    // Pulumi records a stack trace for every promise it makes; mapping each one through the
    // source maps costs more than evaluating the program. RENDER_DEBUG keeps readable traces.
    if (!process.env.RENDER_DEBUG) {
        process.setSourceMapsEnabled(false);
    }
    try {
        return await captureStack({ projectDir, project: projectName, stack, config });
    } catch (error) {
        // The program reports config problems as a RunError: its message is the whole story
        // (for a StackConfigError, one line per bad key), never a stack trace.
        if (pulumi.RunError.isInstance(error)) {
            throw new InputError((error as Error).message.split("\n").map((line) => line.trimEnd()).filter(Boolean));
        }
        throw error;
    }
}

function firstLine(error: unknown): string {
    return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}
