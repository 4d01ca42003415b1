// Installs the Debian packages a test run needs when they are missing (PostgreSQL, Prometheus,
// podman). npm test runs its suites side by side, and apt-get fails at once while another
// apt-get holds its lock, so every installer queues on one flock(1) lock file and checks
// again, under the lock, whether the one before it installed the package already.
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";

const lockFile = join(tmpdir(), "ecommerce-mesh-apt.lock");

/** Installs `packages` unless a path matching `installedGlob` (shell globs, space-separated) exists; as root, or through `sudo -n`. */
export function installDebianPackages(packages: readonly string[], installedGlob: string, who: string): void {
    process.stderr.write(`${who}: installing ${packages.join(" ")} with apt-get (one installer at a time: ${lockFile})\n`);
    const apt = "apt-get -q -o DPkg::Lock::Timeout=600";
    const script = `for f in ${installedGlob}; do [ -e "$f" ] && exit 0; done; ${apt} update && ${apt} install -y --no-install-recommends ${packages.join(" ")}`;
    const command = ["flock", "--timeout", "900", lockFile, "sh", "-c", script];
    const sudo = process.getuid?.() === 0 ? [] : ["sudo", "-n"];
    const [file, ...args] = [...sudo, ...command];
    execFileSync(file, args, { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}
