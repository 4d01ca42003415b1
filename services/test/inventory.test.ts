import { expect } from "chai";
import { createTestDatabase, queryDatabase } from "./support/database";
import { del, get, post } from "./support/http";
import { startStack, type TestStack } from "./support/services";

describe("inventory service", () => {
    let stack: TestStack;
    let databaseUrl: string;
    let base: string;
    const available = async (productId: string) => (await get(`${base}/api/inventory/${productId}`)).body.available;

    before(async () => {
        databaseUrl = (await createTestDatabase()).url;
        stack = await startStack(databaseUrl, ["inventory"]);
        base = stack.url("inventory");
    });
    after(() => stack?.stop());

    it("seeds product 1 with 10,000 available and stocks every catalogue product", async () => {
        expect(await get(`${base}/api/inventory/1`)).to.deep.include({ status: 200, body: { productId: "1", available: 10000 } });
        const rows = await queryDatabase(databaseUrl, "SELECT count(*)::int AS n FROM inventory.stock WHERE available > 0");
        expect(rows[0].n).to.equal(12);
    });

    it("answers 404 for a product it does not stock", async () => {
        expect((await get(`${base}/api/inventory/nope`)).status).to.equal(404);
    });

    it("reserves all items of an order and takes them off the shelf", async () => {
        const answer = await post(`${base}/api/inventory/reservations`, {
            orderId: "o-reserve",
            items: [{ productId: "2", quantity: 3 }, { productId: "4", quantity: 1 }, { productId: "2", quantity: 2 }],
        });
        expect(answer.status).to.equal(201);
        expect(answer.body.items).to.deep.equal([{ productId: "2", quantity: 5 }, { productId: "4", quantity: 1 }]);
        expect(await available("2")).to.equal(245);
        expect(await available("4")).to.equal(499);
    });

    it("replaying the same orderId returns the existing reservation without taking more", async () => {
        const again = await post(`${base}/api/inventory/reservations`, { orderId: "o-reserve", items: [{ productId: "2", quantity: 5 }] });
        expect(again.status).to.equal(201);
        expect(again.body).to.deep.include({ orderId: "o-reserve", replayed: true });
        expect(await available("2")).to.equal(245);
    });

    it("is all or nothing: one short item rejects the order with 409 and takes nothing", async () => {
        const answer = await post(`${base}/api/inventory/reservations`, {
            orderId: "o-short",
            items: [{ productId: "5", quantity: 1 }, { productId: "9", quantity: 36 }],
        });
        expect(answer.status).to.equal(409);
        expect(answer.body.details).to.deep.equal({ productId: "9", requested: 36, available: 35 });
        expect(await available("5")).to.equal(1000);
        // The failed attempt left no reservation behind, so the same order can try again.
        const retry = await post(`${base}/api/inventory/reservations`, { orderId: "o-short", items: [{ productId: "9", quantity: 35 }] });
        expect(retry.status).to.equal(201);
    });

    it("releasing puts the stock back and is idempotent", async () => {
        const first = await del(`${base}/api/inventory/reservations/o-reserve`);
        expect(first).to.deep.include({ status: 200, body: { orderId: "o-reserve", released: true } });
        expect(await available("2")).to.equal(250);
        const second = await del(`${base}/api/inventory/reservations/o-reserve`);
        expect(second).to.deep.include({ status: 200, body: { orderId: "o-reserve", released: false } });
        expect(await available("2")).to.equal(250);
    });

    it("never oversells under concurrency: 20 orders for 7 units, exactly 7 win", async () => {
        await queryDatabase(databaseUrl, "UPDATE inventory.stock SET available = 7 WHERE product_id = '8'");
        const answers = await Promise.all(
            Array.from({ length: 20 }, (_, i) =>
                post(`${base}/api/inventory/reservations`, { orderId: `race-${i}`, items: [{ productId: "8", quantity: 1 }] }),
            ),
        );
        const statuses = answers.map((a) => a.status);
        expect(statuses.filter((s) => s === 201)).to.have.length(7);
        expect(statuses.filter((s) => s === 409)).to.have.length(13);
        expect(await available("8")).to.equal(0);
    });
});
