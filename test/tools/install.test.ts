// One install for the program, the policy pack and the services: npm workspaces, one root
// lockfile. The services keep a lockfile of their own only for the image build (its Docker
// context is services/), and it must name exactly what services/package.json asks for.
import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..");
const json = (file: string) => JSON.parse(readFileSync(path.join(root, file), "utf8"));

describe("the install", () => {
    it("installs policies/ and services/ as workspaces of the root package, from one lockfile", () => {
        expect(json("package.json").workspaces).to.deep.equal(["policies", "services"]);
        expect(json("package.json").scripts.postinstall, "nested npm ci in a postinstall").to.equal(undefined);
        expect(existsSync(path.join(root, "policies", "package-lock.json"))).to.equal(false);
        const lock = json("package-lock.json");
        expect(lock.packages.policies?.name).to.equal("ecommerce-mesh-policies");
        expect(lock.packages.services?.name).to.equal("ecommerce-mesh-services");
        // The point of it: one @pulumi/pulumi for the program and the policy pack.
        expect(Object.keys(lock.packages).filter((p) => p.endsWith("node_modules/@pulumi/pulumi"))).to.deep.equal(["node_modules/@pulumi/pulumi"]);
    });

    it("keeps services/package-lock.json (the image build's) in step with services/package.json", () => {
        const manifest = json("services/package.json");
        const locked = json("services/package-lock.json").packages[""];
        expect(locked.dependencies, "run npm run lock:services").to.deep.equal(manifest.dependencies);
        expect(locked.devDependencies, "run npm run lock:services").to.deep.equal(manifest.devDependencies);
    });

    it("names every dependency of every package.json in docs/dependencies.md (type packages aside)", () => {
        const table = readFileSync(path.join(root, "docs", "dependencies.md"), "utf8");
        const named = new Set([...table.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]));
        const packages = ["package.json", "policies/package.json", "services/package.json"].flatMap((file) => Object.keys({ ...json(file).dependencies, ...json(file).devDependencies }));
        const missing = packages.filter((name) => !name.startsWith("@types/") && !named.has(name) && !named.has(`${name.split("/")[0]}/*`));
        expect([...new Set(missing)]).to.deep.equal([]);
    });
});
