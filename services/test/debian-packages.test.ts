import { spawn } from "node:child_process";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { installDebianPackages } from "../scripts/debian-packages";

describe("installing a missing Debian package beside another suite's install", () => {
    it("waits for the installer holding the lock, then finds the package there and runs no apt-get", async function () {
        if (process.getuid?.() !== 0) this.skip(); // the installer runs as root (or sudo -n), as CI does
        const holder = spawn("flock", [join(tmpdir(), "ecommerce-mesh-apt.lock"), "sleep", "2"], { stdio: "ignore" });
        await new Promise((resolve) => setTimeout(resolve, 300)); // the holder has the lock
        const started = performance.now();
        // A package "installed" by the holder: the marker exists, so nothing is fetched (apt-get would fail offline).
        installDebianPackages(["no-such-package-ecommerce-mesh"], process.execPath, "debian-packages test");
        const waitedMs = performance.now() - started;
        await once(holder, "exit");
        expect(waitedMs).to.be.within(1200, 10_000);
    });
});
