// The image as built from services/Dockerfile, checked on the engine's own record of it and
// by running it: what it contains, who it runs as, what it writes, what it says it is.
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { serviceNames } from "../../stacks";
import { inspectImage } from "../../tools/images/build";
import { run } from "../../tools/images/engine";
import { eventually } from "../../services/test/support/eventually";
import { builtImages, builtRevision, localStack } from "./images.hook";

const podman = (...args: string[]) => run("podman", args);

describe("the service image (services/Dockerfile, built with podman)", () => {
    it("builds for every service from the Dockerfile as it is in the repo", () => {
        expect(execFileSync("git", ["status", "--porcelain", "--", "services/Dockerfile"], { encoding: "utf8" }), "Dockerfile edited by the build").to.equal("");
        expect([...builtImages.keys()]).to.deep.equal([...serviceNames]);
        for (const [service, built] of builtImages) {
            expect(built.ref).to.equal(`${localStack.images.registry}/${service}:${localStack.images.tag}`);
            expect(built.digest).to.match(/^sha256:[0-9a-f]{64}$/);
            expect(built.sizeBytes).to.be.greaterThan(10e6);
        }
    });

    it("carries org.opencontainers.image labels with the service, the version and the git revision", () => {
        for (const [service, built] of builtImages) {
            const { labels } = inspectImage("podman", built.ref);
            expect(labels["org.opencontainers.image.title"]).to.equal(service);
            expect(labels["org.opencontainers.image.version"]).to.equal(localStack.images.tag);
            expect(labels["org.opencontainers.image.revision"]).to.equal(builtRevision).and.match(/^[0-9a-f]{40}(-dirty)?$/);
        }
    });

    it("runs as 10001, never as root", () => {
        const ref = builtImages.get("cart")!.ref;
        expect(inspectImage("podman", ref).user).to.equal("10001:10001");
        expect(podman("run", "--rm", "--entrypoint", "id", ref).trim()).to.match(/^uid=10001\b.* gid=10001\b/);
    });

    it("has no npm, npx or corepack in the runtime stage", () => {
        const ref = builtImages.get("order")!.ref;
        const found = podman(
            "run", "--rm", "--entrypoint", "sh", ref, "-c",
            "for tool in npm npx corepack yarn; do command -v $tool; done; ls -d /usr/local/lib/node_modules/* 2>/dev/null; true",
        );
        expect(found.trim()).to.equal("");
    });

    it("writes nothing outside /tmp while it starts and serves", async () => {
        const ref = builtImages.get("product")!.ref;
        // A writable root this time, so that a write would succeed and show in the diff;
        // --passwd=false: podman would otherwise add uid 10001 to /etc/passwd itself.
        const name = `ecommerce-mesh-diff-${process.pid}`;
        podman("run", "-d", "--name", name, "--passwd=false", "--tmpfs", "/tmp", "-e", "DATABASE_URL=postgres://nobody@127.0.0.1:1/none", ref);
        try {
            // Polled, not a fixed wait: a first start on a loaded machine can take longer.
            const live = () => podman("exec", name, "node", "-e", "fetch('http://127.0.0.1:8080/health/live').then(r => console.log(r.status), () => console.log(0))").trim();
            await eventually(async () => {
                expect(live(), "/health/live from inside the container").to.equal("200");
            }, 60_000);
            podman("stop", "-t", "10", name);
            const changed = podman("diff", name).split("\n").filter(Boolean).map((line) => line.slice(2));
            // A directory listed with nothing changed inside it only had its metadata touched
            // (podman's mount points for /etc/hosts and /etc/resolv.conf).
            const onlyMountPoints = (file: string) => file === "/etc" && !changed.some((other) => other.startsWith("/etc/"));
            const written = changed.filter((file) => !/^\/tmp(\/|$)/.test(file) && !onlyMountPoints(file));
            expect(written, "paths changed outside /tmp").to.deep.equal([]);
        } finally {
            podman("rm", "-f", name);
        }
    });
});
