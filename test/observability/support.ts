// Shared by the observability tests: promtool, installed from Debian's prometheus package
// when missing (as the services tests install PostgreSQL), and a scratch directory.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export function promtool(): string {
    const binary = "/usr/bin/promtool";
    if (existsSync(binary)) return binary;
    process.stderr.write("observability tests: installing the prometheus package with apt-get\n");
    const sudo = process.getuid?.() === 0 ? [] : ["sudo", "-n"];
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const run = (args: string[]) => execFileSync(sudo[0] ?? args[0], sudo.length ? [...sudo.slice(1), ...args] : args.slice(1), { stdio: ["ignore", "ignore", "inherit"], env });
    run(["apt-get", "update", "-q"]);
    run(["apt-get", "install", "-y", "--no-install-recommends", "prometheus"]);
    if (!existsSync(binary)) throw new Error("prometheus installed but /usr/bin/promtool is missing");
    return binary;
}

export function runPromtool(args: string[]): { status: number; output: string } {
    const run = spawnSync(promtool(), args, { encoding: "utf8" });
    return { status: run.status ?? 1, output: `${run.stdout}${run.stderr}` };
}

export const scratch = (prefix: string) => mkdtempSync(path.join(tmpdir(), `${prefix}-`));
