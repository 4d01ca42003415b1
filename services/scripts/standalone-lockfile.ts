// `npm run lock:services`: writes services/package-lock.json for the image build. The repo
// installs services/ as an npm workspace (one root lockfile, shared packages installed once),
// but `docker build ... services` sees only this folder, so its `npm ci` needs a lockfile of
// its own: resolved here from services/package.json alone, in a scratch copy.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const servicesDir = path.resolve(__dirname, "..");
const scratch = mkdtempSync(path.join(tmpdir(), "services-lock-"));
try {
    copyFileSync(path.join(servicesDir, "package.json"), path.join(scratch, "package.json"));
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const result = spawnSync(npm, ["install", "--package-lock-only", "--no-audit", "--no-fund"], { cwd: scratch, stdio: "inherit" });
    if (result.status !== 0) {
        process.exit(result.status ?? 1);
    }
    copyFileSync(path.join(scratch, "package-lock.json"), path.join(servicesDir, "package-lock.json"));
    process.stdout.write("lock:services: wrote services/package-lock.json\n");
} finally {
    rmSync(scratch, { recursive: true, force: true });
}
