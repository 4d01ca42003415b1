// issue 25, item 7: undici 8 needs Node >= 22.19 and loads lazily, so an older Node passed
// readiness and then failed every call between services. The package's engines must be at
// least every runtime dependency's, so npm (engine-strict) refuses such a Node up front.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";

const floor = (range: string): number[] => {
    const match = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
    if (!match) throw new Error(`engines.node "${range}" is not of the form >=X[.Y[.Z]]`);
    return [1, 2, 3].map((i) => Number(match[i] ?? 0));
};
const atLeast = (a: number[], b: number[]) => a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] > b[1] : a[2] >= b[2];
const manifest = (dir: string) => JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));

describe("the services' Node.js engines", () => {
    it("are at least every runtime dependency's own engines.node (was: >=22 while undici 8 needs >=22.19.0)", () => {
        const root = path.join(__dirname, "..");
        const own = floor(manifest(root).engines.node);
        const tooLow: string[] = [];
        for (const name of Object.keys(manifest(root).dependencies)) {
            // Where Node would load it from: the package's own node_modules, else the workspace root's.
            const dir = [root, path.join(root, "..")].map((base) => path.join(base, "node_modules", name)).find((candidate) => existsSync(candidate))!;
            const wanted = manifest(dir).engines?.node;
            if (wanted && /^>=/.test(wanted.trim()) && !atLeast(own, floor(wanted))) tooLow.push(`${name} needs ${wanted}`);
        }
        expect(tooLow).to.deep.equal([]);
    });
});
