// Shared by the observability tests: promtool, installed from Debian's prometheus package
// when missing (as the services tests install PostgreSQL), and a scratch directory.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { installDebianPackages } from "../../services/scripts/debian-packages";

export function promtool(): string {
    const binary = "/usr/bin/promtool";
    if (existsSync(binary)) return binary;
    installDebianPackages(["prometheus"], binary, "observability tests");
    if (!existsSync(binary)) throw new Error("prometheus installed but /usr/bin/promtool is missing");
    return binary;
}

export function runPromtool(args: string[]): { status: number; output: string } {
    const run = spawnSync(promtool(), args, { encoding: "utf8" });
    return { status: run.status ?? 1, output: `${run.stdout}${run.stderr}` };
}

export const scratch = (prefix: string) => mkdtempSync(path.join(tmpdir(), `${prefix}-`));
