// Tests start the project's CLIs as `npm run <tool>` does: the node flags of package.json's
// scripts (Node's compile cache, then tsx), read from the "render" script so they cannot drift.
import { readFileSync } from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..");
const scripts = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

function nodeFlagsOf(script: string, entry: string): string[] {
    const words = scripts[script].split(/\s+/);
    if (words[0] !== "node" || !words.includes(entry)) throw new Error(`package.json script ${script} no longer runs node ... ${entry}: ${scripts[script]}`);
    return words.slice(1, words.indexOf(entry));
}

/** argv after `node` that runs `entry` (relative to the project root, the child's cwd) as the npm scripts do. */
export function toolArgs(entry: string, ...args: string[]): string[] {
    return [...nodeFlagsOf("render", "tools/render/main.ts"), entry, ...args];
}
