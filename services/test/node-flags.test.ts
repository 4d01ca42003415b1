import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { serviceNodeFlags } from "../dev/node-flags";

describe("the services' Node.js flags", () => {
    it("are the same in the image (the Dockerfile's NODE_OPTIONS) as under npm run dev", () => {
        const dockerfile = readFileSync(path.join(__dirname, "..", "Dockerfile"), "utf8");
        const set = /^\s*(?:ENV\s+)?NODE_OPTIONS="([^"]*)"/m.exec(dockerfile);
        expect(set, "the Dockerfile sets NODE_OPTIONS").to.not.equal(null);
        expect(set![1].split(/\s+/)).to.deep.equal([...serviceNodeFlags]);
    });

    it("cap V8's young generation, which otherwise keeps what it grew to under allocation", () => {
        // Allocates like a start (many short- and some long-lived objects), then reports the young generation's size.
        const probe = `const keep = []; for (let i = 0; i < 2e6; i++) { const o = { i, s: "x" + i }; if (i % 10 === 0) keep.push(o); }
            const space = require("v8").getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
            console.log(space.space_size);`;
        const youngMiB = (flags: readonly string[]) =>
            Number(execFileSync(process.execPath, [...flags, "-e", probe], { encoding: "utf8" })) / 2 ** 20;
        expect(youngMiB(serviceNodeFlags)).to.be.at.most(4); // two semi-spaces of 2 MiB
        expect(youngMiB([])).to.be.above(8);
    });
});
