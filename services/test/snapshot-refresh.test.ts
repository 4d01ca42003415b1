// A notification's payload can update the copy in place (a rating: one product); anything the
// update cannot apply, or an update that fails, loads the whole copy again (runtime/snapshot.ts).
import { expect } from "chai";
import pino from "pino";
import { NotifiedSnapshot } from "../src/runtime/snapshot";
import { createTestDatabase, queryDatabase } from "./support/database";

describe("snapshot refresh on a notification's payload", () => {
    let databaseUrl: string;
    let snapshot: NotifiedSnapshot<string[]>;
    let loads = 0;
    const updates: string[] = [];
    const notify = async (payload: string, changed: () => boolean) => {
        await queryDatabase(databaseUrl, "SELECT pg_notify('refresh_test', $1)", [payload]);
        for (const deadline = Date.now() + 5_000; !changed(); await new Promise((resolve) => setTimeout(resolve, 20))) {
            if (Date.now() > deadline) throw new Error(`no refresh after ${payload}`);
        }
    };

    before(async () => {
        databaseUrl = (await createTestDatabase()).url;
        snapshot = new NotifiedSnapshot<string[]>({
            databaseUrl,
            channel: "refresh_test",
            logger: pino({ level: "silent" }),
            load: async () => [`load ${++loads}`],
            update: (current, payload) => {
                updates.push(payload);
                if (payload === "fails") return Promise.reject(new Error("update failed"));
                return payload.startsWith("one:") ? Promise.resolve([...current, payload]) : undefined;
            },
        });
        await snapshot.start();
    });
    after(() => snapshot?.close());

    it("applies a payload it knows to the copy in hand, without a load", async () => {
        expect(await snapshot.get()).to.deep.equal(["load 1"]);
        await notify("one:7", () => updates.length === 1);
        expect(await snapshot.get()).to.deep.equal(["load 1", "one:7"]);
        expect(loads).to.equal(1);
    });

    it("loads the whole copy for a payload it does not know, and after a failed update", async () => {
        await notify("products", () => updates.length === 2);
        expect(await snapshot.get()).to.deep.equal(["load 2"]);
        await notify("fails", () => updates.length === 3);
        expect(await snapshot.get()).to.deep.equal(["load 3"]);
    });
});
