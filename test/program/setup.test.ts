// The README's set-up: the Node CI uses, one clear stop on an older Node, and every
// dependency install script reviewed in allowScripts.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";

const root = path.resolve(__dirname, "..", "..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

describe("set-up: Node and npm", function () {
    this.timeout(60_000);

    it("the README's set-up sources .ci/node.sh, which puts the .nvmrc major first on PATH as CI does", () => {
        const setUp = read("README.md").split("## Set up and test")[1].split("```sh\n")[1].split("```")[0];
        expect(setUp.split("\n")[0]).to.match(/^source \.ci\/node\.sh +#/);
        expect(setUp).to.match(/^npm ci +#/m);
        const major = execFileSync("bash", ["-c", "source .ci/node.sh && node -p 'process.versions.node.split(\".\")[0]'"], { cwd: root, encoding: "utf8" }).trim();
        expect(major).to.equal(read(".nvmrc").trim());
        expect(read(".ci/run")).to.include("source .ci/node.sh");
    });

    it("an older Node stops npm ci with one EBADENGINE error: engines allow the .nvmrc major, .npmrc sets engine-strict", () => {
        // policies/ and services/ are workspaces: npm reads the root's .npmrc and allowScripts for them.
        for (const dir of ["."]) {
            const engines = JSON.parse(read(path.join(dir, "package.json"))).engines.node as string;
            const minimum = Number(/^>=(\d+)$/.exec(engines)![1]);
            expect(minimum, dir).to.be.at.most(Number(read(".nvmrc").trim()));
            expect(read(path.join(dir, ".npmrc")).split("\n"), dir).to.include("engine-strict=true");
        }
    });

    it("npm ci is warning-free: allowScripts lives only in the root package.json (npm ignores a workspace's, with a warning)", () => {
        for (const workspace of ["policies", "services"]) expect(JSON.parse(read(path.join(workspace, "package.json"))), workspace).to.not.have.property("allowScripts");
        const dryRun = spawnSync("npm", ["ci", "--dry-run"], { cwd: root, encoding: "utf8" });
        expect(dryRun.status, dryRun.stderr).to.equal(0);
        expect(`${dryRun.stdout}${dryRun.stderr}`.split("\n").filter((line) => line.startsWith("npm warn"))).to.deep.equal([]);
        expect(read("README.md")).to.contain("npm ignores a workspace's own `allowScripts`\nwith a warning, so the field lives only there");
    });

    it("every installed dependency with an install script (the workspaces' too) is approved or denied in the root's allowScripts", () => {
        const listed = execFileSync("npm", ["install-scripts", "ls"], { cwd: root, encoding: "utf8" });
        expect(listed.trim()).to.equal("No packages with unreviewed install scripts.");
    });
});
