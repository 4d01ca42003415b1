// verify and promote as a user runs them, on the paths that need no live system: bad usage and
// invalid config (exit 2, config errors word for word as render prints them), the Automation
// API path without the Pulumi CLI, and the lock a running promote holds.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { lockFile } from "../../tools/promote/lock";
import { projectDir } from "../support/stacks";
import { toolArgs } from "../support/tools";

function run(tool: "verify" | "promote" | "render", args: string[], env: NodeJS.ProcessEnv = process.env) {
    const result = spawnSync(process.execPath, toolArgs(path.join("tools", tool, "main.ts"), ...args), { cwd: projectDir, env, encoding: "utf8" });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The config-error lines of a run, without the tool's prefix. */
const configLines = (stderr: string, tool: string) => stderr.split("\n").filter((l) => l.startsWith(`${tool}: `) && !l.includes("evaluating") && !l.includes("done in")).map((l) => l.slice(tool.length + 2));

describe("verify and promote: usage and config errors", function () {
    this.timeout(120_000);
    const bad = ["--set", "services.product.canary.weight=150", "--set", "services.product.canary.analysis.maxP99=slow"];

    it("prints a config error word for word as render does, exit 2", () => {
        const render = run("render", ["--stack", "dev", "--out", mkdtempSync(path.join(tmpdir(), "render-")), ...bad]);
        const verify = run("verify", ["--target", "http://127.0.0.1:9", "--stack", "dev", ...bad]);
        const promote = run("promote", ["--stack", "dev", "--service", "product", "--prometheus", "http://127.0.0.1:9", ...bad]);
        expect(render.code).to.equal(2);
        expect(verify.code).to.equal(2);
        expect(promote.code).to.equal(2);
        const expected = configLines(render.stderr, "render");
        expect(expected).to.include("  ecommerce-mesh:services.product.canary.weight: 150 is not an integer from 0 to 100");
        expect(configLines(verify.stderr, "verify")).to.deep.equal(expected);
        expect(configLines(promote.stderr, "promote")).to.deep.equal(expected);
    });

    it("refuses bad usage with its own usage text, exit 2", () => {
        const verify = run("verify", ["--stack", "dev"]);
        expect(verify.code).to.equal(2);
        expect(verify.stderr).to.match(/^verify: --target <base url> is required\n\nusage: npm run verify/);
        const promote = run("promote", ["--stack", "dev", "--service", "basket", "--local", "http://127.0.0.1:9"]);
        expect(promote.code).to.equal(2);
        expect(promote.stderr).to.match(/^promote: --service basket: not one of product, cart, order/);
        expect(run("verify", ["--target", "ftp://x", "--stack", "dev"]).stderr).to.contain("--target ftp://x: must be http:// or https://");
    });

    it("without the Pulumi CLI, the Automation API path fails at once and says what to do", () => {
        const promote = run("promote", ["--stack", "dev", "--service", "product", "--prometheus", "http://127.0.0.1:9", "--cwd", copyStack()], { ...process.env, PATH: path.dirname(process.execPath) });
        expect(promote.code).to.equal(2);
        expect(promote.stderr).to.contain("promote: the Pulumi CLI is needed to promote a real stack (no pulumi on PATH): install it from https://www.pulumi.com/docs/install/, or use --local");
    });

    it("refuses --local when no dev router answers, before any change", () => {
        const dir = copyStack();
        const promote = run("promote", ["--stack", "dev", "--service", "product", "--local", "http://127.0.0.1:9", "--prometheus", "http://127.0.0.1:9", "--cwd", dir]);
        expect(promote.code).to.equal(2);
        expect(promote.stderr).to.match(/^promote: --local http:\/\/127.0.0.1:9: npm run dev's router does not answer GET \/api\/products \(.+\); start npm run dev first/);
    });

    it("refuses a second promote on a stack whose lock a live process holds", () => {
        const dir = copyStack();
        writeFileSync(lockFile(dir, "dev"), `${process.pid}\n`);
        const promote = run("promote", ["--stack", "dev", "--service", "product", "--prometheus", "http://127.0.0.1:9", "--cwd", dir]);
        expect(promote.code).to.equal(2);
        expect(promote.stderr).to.contain(`promote: another promote (pid ${process.pid}) is running on stack dev`);
    });
});

function copyStack(): string {
    const dir = mkdtempSync(path.join(tmpdir(), "promote-cli-"));
    copyFileSync(path.join(projectDir, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
    return dir;
}
