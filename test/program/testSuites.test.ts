// npm test's suites, as docs/development.md describes them: every test file in exactly one
// suite, and the suites run two at a time.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";

const root = path.resolve(__dirname, "..", "..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");
const json = (file: string) => JSON.parse(read(file)) as Record<string, unknown>;

interface Mocharc {
    spec: string[];
    ignore?: string[];
    "reporter-option": string[];
}

describe("npm test: the suites", () => {
    const scripts = (json("package.json") as { scripts: Record<string, string> }).scripts;
    const infra = json(".mocharc.json") as unknown as Mocharc;
    const live = json(".mocharc.live.json") as unknown as Mocharc;

    it("runs infra, live and services with concurrently, two at a time, between the type check and npm run check", () => {
        expect(scripts.test).to.match(/^npm run typecheck && concurrently .*&& npm run check$/);
        expect(scripts.test).to.contain("--max-processes 2");
        expect(scripts.test).to.contain("--names infra,live,services npm:test:infra npm:test:live npm:test:services");
        expect(scripts["test:live"]).to.equal("mocha --config .mocharc.live.json");
        expect(scripts["test:infra"]).to.equal("mocha");
        expect([infra, live].map((rc) => rc["reporter-option"])).to.deep.equal([["label=infra"], ["label=live"]]);
    });

    it("puts every test file under test/ but the containers' in exactly one of infra and live, by the .live.test.ts suffix", () => {
        expect(live.spec).to.deep.equal(["test/**/*.live.test.ts"]);
        expect(infra.spec).to.deep.equal(["test/**/*.test.ts"]);
        expect(infra.ignore).to.include.members(["test/containers/**", ...live.spec]);
        const files = execFileSync("git", ["ls-files", "test"], { cwd: root, encoding: "utf8" }).split("\n").filter((f) => f.endsWith(".test.ts") && !f.startsWith("test/containers/"));
        const liveFiles = files.filter((f) => f.endsWith(".live.test.ts"));
        expect(liveFiles).to.have.members(["test/observability/dev-prometheus.live.test.ts", "test/promote/e2e.live.test.ts", "test/tools/chaos.live.test.ts"]);
        expect(files.length - liveFiles.length).to.be.greaterThan(50);
    });

    it(".ci/run fails unless each suite of npm test, and the containers', reports exactly once (concurrently passes a suite stopped by a signal)", () => {
        const names = /--names ([a-z,]+) /.exec(scripts.test)![1].split(",");
        const required = /^for suite in ([a-z ]+); do$/m.exec(read(".ci/run"))?.[1].split(" ");
        expect(required).to.deep.equal([...names, "containers"]);
        const containers = json("test/containers/.mocharc.json") as unknown as Mocharc;
        expect(containers["reporter-option"]).to.deep.equal(["label=containers"]);
    });

    it("is described in docs/development.md and the README's set-up as it runs", () => {
        expect(read("README.md")).to.match(/^npm test +# type check; the program, live \(dev stack\) and services tests, two suites at a time; npm run check$/m);
        const doc = read("docs/development.md").replace(/\s+/g, " ");
        expect(doc).to.contain("`npm test` type-checks, then runs the three suites two at a time with `concurrently` (`--max-processes 2`)");
        expect(doc).to.contain("`live` (`npm run test:live`: the `*.live.test.ts` files");
    });
});
