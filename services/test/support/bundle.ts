// Builds the services bundle (scripts/bundle.js) for a test, inside this package so that the
// packages it leaves to `require` at run time resolve from node_modules as in the image.
import { mkdtempSync, rmSync } from "node:fs";
import path from "node:path";

// bundle.js is plain CommonJS so the image's build stage runs it without a TypeScript hook.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bundler = require("../../scripts/bundle.js") as {
    bundle(outdir?: string): Promise<string>;
    readonly loadedOnDemand: readonly string[];
};

export const loadedOnDemand = bundler.loadedOnDemand;

export interface TestBundle {
    /** The bundled entry script, `<dir>/main.js`. */
    readonly script: string;
    remove(): void;
}

export async function buildTestBundle(): Promise<TestBundle> {
    const dir = mkdtempSync(path.join(__dirname, "..", "..", ".test-bundle-"));
    const script = await bundler.bundle(dir);
    return { script, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
