// Helpers for the render tests: run the real CLI, make scratch dirs.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { toolArgs } from "../support/tools";

export const projectDir = path.resolve(__dirname, "..", "..");

export interface CliRun {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** Runs tools/render/<script>.ts the way `npm run render` does. */
export function runCli(script: "main" | "check", args: string[]): CliRun {
    const run = spawnSync(process.execPath, toolArgs(path.join("tools", "render", `${script}.ts`), ...args), {
        cwd: projectDir,
        encoding: "utf8",
        timeout: 120_000,
        env: { ...process.env, RENDER_DEBUG: "" },
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

export function scratchDir(label: string): string {
    return mkdtempSync(path.join(tmpdir(), `render-${label}-`));
}

export const hasPolicyRunner = () => existsSync(path.join(projectDir, "policies", "runner.ts"));
