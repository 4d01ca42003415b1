import { expect } from "chai";
import { DeadlineQueue } from "../src/runtime/deadlines";

describe("one timer for many call deadlines", () => {
    it("expires deadlines in the order they started, and never a cancelled one", async () => {
        const queue = new DeadlineQueue(20);
        const expired: string[] = [];
        let lastFired: () => void = () => undefined;
        const last = new Promise<void>((resolve) => (lastFired = resolve));
        queue.start(() => expired.push("a"));
        const b = queue.start(() => expired.push("b"));
        queue.start(() => {
            expired.push("c");
            lastFired();
        });
        b.cancel();
        expect(queue.pending).to.equal(2);
        await last;
        expect(expired).to.deep.equal(["a", "c"]);
        expect(queue.pending).to.equal(0);
    });

    it("arms its timer again after the queue ran empty", async () => {
        const queue = new DeadlineQueue(5);
        await new Promise<void>((resolve) => queue.start(resolve));
        await new Promise<void>((resolve) => queue.start(resolve));
        expect(queue.pending).to.equal(0);
    });
});
