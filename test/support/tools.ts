// Tests start the project's CLIs as `npm run <tool>` does: the node flags of package.json's
// scripts (Node's compile cache, then tsx), read from the "render" script so they cannot drift.
import { readFileSync } from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..");
const scripts = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

const render = scripts.render.split(/\s+/);
const renderEntry = render.indexOf("tools/render/main.ts");
if (render[0] !== "node" || renderEntry < 0) throw new Error(`package.json script render no longer runs node ... tools/render/main.ts: ${scripts.render}`);
const nodeFlags = render.slice(1, renderEntry);

/** argv after `node` that runs `entry` (relative to the project root, the child's cwd) as the npm scripts do. */
export function toolArgs(entry: string, ...args: string[]): string[] {
    return [...nodeFlags, entry, ...args];
}
