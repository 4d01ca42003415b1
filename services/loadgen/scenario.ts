// What a virtual user does: a weighted mix of shopper actions. The edge only exposes the
// /api routes (health probes are the kubelet's, not the gateway's), so the lightweight
// "health" share is a stock check, the cheapest read a storefront makes.
import { randomUUID } from "node:crypto";
import type { EdgeClient } from "./client";

export interface CatalogueItem {
    readonly id: string;
    readonly price: number;
}

export interface Shopper {
    readonly client: EdgeClient;
    readonly userId: string;
    readonly catalogue: readonly CatalogueItem[];
    readonly random: () => number;
    /** Products an order found out of stock, shared by all shoppers: checkout skips them. */
    readonly soldOut: Set<string>;
}

/** What checkout may order: the products not seen sold out, or all of them once every one is. */
export function inStock(catalogue: readonly CatalogueItem[], soldOut: ReadonlySet<string>): readonly CatalogueItem[] {
    const left = catalogue.filter((item) => !soldOut.has(item.id));
    return left.length > 0 ? left : catalogue;
}

interface Action {
    readonly name: string;
    /** Share of actions, in percent. */
    readonly weight: number;
    run(shopper: Shopper): Promise<unknown>;
}

function pick<T>(items: readonly T[], random: () => number): T {
    return items[Math.floor(random() * items.length)];
}

export const actions: readonly Action[] = [
    { name: "browse", weight: 40, run: ({ client }) => client.send("GET /api/products", "/api/products") },
    {
        name: "product detail",
        weight: 20,
        run: ({ client, catalogue, random }) => client.send("GET /api/products/:id", `/api/products/${pick(catalogue, random).id}`),
    },
    {
        name: "cart add",
        weight: 10,
        run: ({ client, userId, catalogue, random }) =>
            client.send("POST /api/cart/:userId/items", `/api/cart/${userId}/items`, {
                method: "POST",
                json: { productId: pick(catalogue, random).id, quantity: 1 },
            }),
    },
    { name: "cart view", weight: 10, run: ({ client, userId }) => client.send("GET /api/cart/:userId", `/api/cart/${userId}`) },
    {
        name: "checkout",
        weight: 10,
        // A long run empties the small stocks first: after one 409 for stock, a product is no
        // longer ordered, so the run keeps measuring orders (201/402), not "out of stock".
        run: async ({ client, userId, catalogue, random, soldOut }) => {
            const item = pick(inStock(catalogue, soldOut), random);
            const answer = await client.send("POST /api/orders", "/api/orders", {
                method: "POST",
                headers: { "idempotency-key": randomUUID() },
                json: { userId, items: [{ productId: item.id, price: item.price, quantity: 1 }] },
            });
            if (answer.status === 409 && (answer.body as { error?: string } | undefined)?.error === "insufficient stock") soldOut.add(item.id);
            return answer;
        },
    },
    {
        name: "health (stock check)",
        weight: 10,
        run: ({ client, catalogue, random }) => client.send("GET /api/inventory/:productId", `/api/inventory/${pick(catalogue, random).id}`),
    },
];

/** Picks an action by weight with one draw. */
export function chooseAction(draw: number): Action {
    const total = actions.reduce((sum, action) => sum + action.weight, 0);
    let point = draw * total;
    for (const action of actions) {
        point -= action.weight;
        if (point < 0) return action;
    }
    return actions[actions.length - 1];
}

/** The products to shop from, read once from the catalogue (a 429 is waited out until `deadline`); product 1 if that fails. */
export async function loadCatalogue(client: EdgeClient, deadline = 0): Promise<CatalogueItem[]> {
    let answer = await client.send("GET /api/products", "/api/products");
    while (answer.status === 429 && performance.now() < deadline) answer = await client.send("GET /api/products", "/api/products");
    const products = (answer.body as { products?: CatalogueItem[] } | undefined)?.products ?? [];
    const items = products.map(({ id, price }) => ({ id: String(id), price })).filter((item) => Number.isInteger(item.price));
    return items.length > 0 ? items : [{ id: "1", price: 999 }];
}

/** Creates the profile of a virtual shopper signed in as `userId` (the client carries its token). */
export async function registerShopper(client: EdgeClient, userId: string, index: number): Promise<void> {
    await client.send("POST /api/users", "/api/users", {
        method: "POST",
        // An address, because checkout ships to it.
        json: { name: `Load Shopper ${index}`, email: `loadgen-${userId}@example.test`, address: `${index} Test Street, Testville` },
    });
}
