import { expect } from "chai";
import { cpuMs, resident } from "../bench/proc";

describe("what the benchmark reads from /proc", () => {
    it("reports a process's RSS as Node sees it, and the private part of it", () => {
        const memory = resident(process.pid)!;
        const rssMb = process.memoryUsage().rss / 2 ** 20;
        expect(Math.abs(memory.rssMb - rssMb)).to.be.below(8);
        expect(memory.anonMb).to.be.above(0).and.below(memory.rssMb);
    });

    it("counts the CPU time a process has used", () => {
        const before = cpuMs(process.pid)!;
        const until = Date.now() + 120;
        while (Date.now() < until); // busy, on purpose
        expect(cpuMs(process.pid)! - before).to.be.at.least(50);
    });

    it("answers undefined for a process that is not there", () => {
        expect(resident(2 ** 30)).to.equal(undefined);
        expect(cpuMs(2 ** 30)).to.equal(undefined);
    });
});
