import { expect } from "chai";
import { createTestDatabase } from "./support/database";
import { asUser, get, post } from "./support/http";
import { startStack, type TestStack } from "./support/services";

describe("shipping and notification services", () => {
    let stack: TestStack;

    before(async () => {
        stack = await startStack((await createTestDatabase()).url, ["shipping", "notification"]);
    });
    after(() => stack?.stop());

    it("creates one shipment per order: a repeat returns the same tracking id", async () => {
        const first = await post(`${stack.url("shipping")}/api/shipments`, { orderId: "o1", address: "1 Main St" });
        expect(first.status).to.equal(201);
        expect(first.body.trackingId).to.match(/^TRK-[0-9A-F]{12}$/);
        const again = await post(`${stack.url("shipping")}/api/shipments`, { orderId: "o1", address: "1 Main St" });
        expect(again.body.trackingId).to.equal(first.body.trackingId);
        const read = await get(`${stack.url("shipping")}/api/shipments/${first.body.trackingId}`, asUser("u1"));
        // Tracking shows the status to whoever holds the id, never the address.
        expect(read.body).to.deep.equal({ trackingId: first.body.trackingId, orderId: "o1", status: "label_created" });
        expect((await get(`${stack.url("shipping")}/api/shipments/TRK-NONE`, asUser("u1"))).status).to.equal(404);
    });

    it("accepts a notification (202) once per type and order, and lists them by user", async () => {
        const body = { type: "order_confirmed", userId: "u1", orderId: "o1" };
        expect((await post(`${stack.url("notification")}/api/notifications`, body)).status).to.equal(202);
        expect((await post(`${stack.url("notification")}/api/notifications`, body)).status).to.equal(202);
        const list = await get(`${stack.url("notification")}/api/notifications?userId=u1`, asUser("u1"));
        expect(list.body.notifications).to.have.length(1);
        expect((await get(`${stack.url("notification")}/api/notifications?userId=u1`, asUser("u2"))).status).to.equal(403);
        expect((await get(`${stack.url("notification")}/api/notifications?userId=u1`)).status).to.equal(401);
        expect(list.body.notifications[0]).to.include({ type: "order_confirmed", userId: "u1", orderId: "o1" });
    });

    it("lists notifications newest first by number, past ten rows", async () => {
        for (let order = 1; order <= 12; order++) {
            const sent = await post(`${stack.url("notification")}/api/notifications`, { type: "order_confirmed", userId: "many", orderId: `o${order}` });
            expect(sent.status).to.equal(202);
        }
        const list = await get(`${stack.url("notification")}/api/notifications?userId=many`, asUser("many"));
        const orders = list.body.notifications.map((notification: { orderId: string }) => notification.orderId);
        expect(orders).to.deep.equal(["o12", "o11", "o10", "o9", "o8", "o7", "o6", "o5", "o4", "o3", "o2", "o1"]);
    });

    it("requires userId to list notifications and a known type to send one (400)", async () => {
        expect((await get(`${stack.url("notification")}/api/notifications`)).status).to.equal(400);
        const answer = await post(`${stack.url("notification")}/api/notifications`, { type: "spam", userId: "u1", orderId: "o1" });
        expect(answer.status).to.equal(400);
        expect(answer.body.details[0].path).to.equal("type");
    });
});
