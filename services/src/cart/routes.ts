// Shopping carts. Adding an item asks product whether it exists (and its price) and
// inventory whether enough is in stock for the whole line, and adds only while the line stays
// within it; nothing is reserved yet: the order's reservation takes the stock.
import type { FastifyInstance, FastifyRequest } from "fastify";
import * as z from "zod";
import { HttpError } from "../runtime/errors";
import { requireOwner } from "../runtime/identity";
import type { ServiceContext } from "../runtime/service-module";
import { idSchema, parseInput, quantitySchema } from "../runtime/validation";
import * as queries from "./queries";

const cartParams = z.object({ userId: idSchema });
const itemParams = z.object({ userId: idSchema, productId: idSchema });
const newItem = z.strictObject({ productId: idSchema, quantity: quantitySchema });

interface ProductAnswer {
    product: { id: string; price: number };
}
interface StockAnswer {
    available: number;
}

export function registerCartRoutes(app: FastifyInstance, { db, downstream, metrics }: ServiceContext): void {
    const cartOf = async (userId: string) => {
        const items = await queries.cartLines(db.pool, userId);
        return { userId, items, total: items.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0) };
    };

    const ownCart = (request: FastifyRequest, userId: string) => requireOwner(request, userId, "cart");

    app.get("/api/cart/:userId", async (request) => {
        const { userId } = parseInput(cartParams, request.params, "path");
        ownCart(request, userId);
        return cartOf(userId);
    });

    app.post("/api/cart/:userId/items", async (request, reply) => {
        const { userId } = parseInput(cartParams, request.params, "path");
        ownCart(request, userId);
        const { productId, quantity } = parseInput(newItem, request.body, "request body");
        const path = encodeURIComponent(productId);
        const [product, stock] = await Promise.all([
            downstream.call<ProductAnswer>(request, "product", `/api/products/${path}`),
            downstream.call<StockAnswer>(request, "inventory", `/api/inventory/${path}`),
        ]);
        if (product.status === 404) throw new HttpError(404, "product not found", { productId });
        if (product.status !== 200) throw new HttpError(502, "product service gave an unexpected answer", { status: product.status });
        const available = stock.status === 200 ? stock.body.available : 0;
        // Advisory: nothing is held here, the order's reservation is what takes stock (atomically).
        if (!(await queries.addToCart(db.pool, userId, productId, quantity, product.body.product.price, available))) {
            metrics.businessEvents.inc({ event: "cart_item_added", status: "insufficient_stock" });
            const requested = quantity + (await queries.quantityInCart(db.pool, userId, productId));
            throw new HttpError(409, "insufficient stock", { productId, requested, available });
        }
        metrics.businessEvents.inc({ event: "cart_item_added", status: "ok" });
        return reply.status(201).send(await cartOf(userId));
    });

    app.delete("/api/cart/:userId/items/:productId", async (request) => {
        const { userId, productId } = parseInput(itemParams, request.params, "path");
        ownCart(request, userId);
        if (!(await queries.removeFromCart(db.pool, userId, productId))) {
            throw new HttpError(404, "product not in cart", { userId, productId });
        }
        return cartOf(userId);
    });
}
