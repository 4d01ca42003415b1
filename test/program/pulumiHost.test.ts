// The tests evaluate the program through tsx; Pulumi's Node.js language host runs it through
// ts-node (tsconfig.json "ts-node", transpile only). The two must register the same resources.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { expect } from "chai";
import type { Capture } from "../../tools/capture/capture";
import { capture, type Json, one, projectDir } from "../support/stacks";

/** The dynamic provider's serialized code differs by transpiler (esbuild's export getters vs ts-node's); compared apart. */
const withoutProviderCode = (c: Capture) =>
    c.resources.map(({ inputs, markedInputs, ...rest }) => {
        const { __provider: _i, ...plainInputs } = inputs as Json;
        const { __provider: _m, ...plainMarked } = markedInputs as Json;
        return { ...rest, inputs: plainInputs, markedInputs: plainMarked };
    });

describe("the program under ts-node, as Pulumi's Node.js host runs it", function () {
    this.timeout(180_000);

    it("registers on prod the same resources, with the same inputs, as under the tests' tsx, and its dynamic provider loads", async () => {
        const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join("test", "support", "captureCli.ts"), "prod"], {
            cwd: projectDir,
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
        });
        expect(run.status, run.stderr).to.equal(0);
        const underTsNode = JSON.parse(run.stdout) as Capture;
        const underTsx = await capture("prod");
        expect(underTsNode.resources.length).to.equal(underTsx.resources.length);
        expect(withoutProviderCode(underTsNode)).to.deep.equal(withoutProviderCode(underTsx));
        // The engine's dynamic provider host does requireFromString(__provider).handler() (@pulumi/pulumi cmd/dynamic-provider).
        const wait = one(underTsNode, "pulumi-nodejs:dynamic:Resource", "aks-deployer-admin-propagated");
        const requireFromString = require("require-from-string") as (code: string) => { handler: () => Json };
        const provider = requireFromString((wait.inputs as Json).__provider).handler();
        expect(provider.create).to.be.a("function");
    });
});
