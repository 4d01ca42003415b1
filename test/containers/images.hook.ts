// Once per run of the container tests: the engine is installed (apt-get, as the services
// tests install PostgreSQL), and every service image is built from services/Dockerfile on
// the offline base (no registry here), so the tests run the code of this commit.
import { existsSync } from "node:fs";
import { installDebianPackages } from "../../services/scripts/debian-packages";
import { serviceNames } from "../../stacks";
import { offlineBase } from "../../tools/images/base";
import { buildImage, gitRevision, type BuiltImage } from "../../tools/images/build";
import { imageRef, stackConfig } from "../../tools/images/main";

// catatonit is only a Recommends of Debian's podman, yet `podman kube play` builds its pause
// image around it ("finding pause binary: exec: catatonit"), so --no-install-recommends needs it named.
const packages: Record<string, string> = {
    podman: "/usr/bin/podman",
    buildah: "/usr/bin/buildah",
    runc: "/usr/sbin/runc",
    catatonit: "/usr/bin/catatonit",
    debootstrap: "/usr/sbin/debootstrap",
};

function ensureEngine(): void {
    const missing = Object.entries(packages).filter(([, file]) => !existsSync(file)).map(([name]) => name);
    if (!missing.length) return;
    if (process.getuid?.() !== 0) throw new Error(`the container tests need ${missing.join(", ")}: apt-get install ${missing.join(" ")} (as root)`);
    installDebianPackages(missing, missing.map((name) => packages[name]).join(" "), "containers");
}

export const builtImages = new Map<string, BuiltImage>();
/** The revision the images were labelled with (HEAD may move while the tests run). */
export let builtRevision = "";
export const localStack = stackConfig("local");

export const mochaHooks = {
    async beforeAll(this: Mocha.Context) {
        this.timeout(15 * 60_000);
        ensureEngine();
        const log = (line: string) => process.stderr.write(`containers: ${line}\n`);
        const base = offlineBase("podman", log);
        const revision = (builtRevision = gitRevision());
        for (const service of serviceNames) {
            const built = await buildImage({ engine: "podman", service, ref: imageRef(localStack, service), version: localStack.images.tag, revision, nodeImage: base.ref });
            builtImages.set(service, built);
            log(`${built.ref} built in ${built.seconds.toFixed(1)} s`);
        }
    },
};
