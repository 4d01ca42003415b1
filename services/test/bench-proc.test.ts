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
        // Busy for 120 ms of CPU, as Node counts it: wall time would be less CPU on a shared machine.
        const start = process.cpuUsage();
        const used = () => process.cpuUsage(start);
        while (used().user + used().system < 120_000);
        expect(cpuMs(process.pid)! - before).to.be.within(100, 1_000);
    });

    it("answers undefined for a process that is not there", () => {
        expect(resident(2 ** 30)).to.equal(undefined);
        expect(cpuMs(2 ** 30)).to.equal(undefined);
    });
});
