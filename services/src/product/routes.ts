// Product catalogue. v2 is the same API plus ratings: a `rating` summary on every product
// and /api/products/:id/ratings to read and add them.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { HttpError } from "../runtime/errors";
import { subjectOf } from "../runtime/identity";
import type { ServiceContext } from "../runtime/service-module";
import { idSchema, parseInput } from "../runtime/validation";
import * as queries from "./queries";

const productParams = z.object({ id: idSchema });
const newRating = z.strictObject({ stars: z.number().int().min(1).max(5), comment: z.string().max(500).default("") });

export function registerProductRoutes(app: FastifyInstance, { config, db, metrics }: ServiceContext): void {
    const withRatings = config.version !== "v1";
    const version = config.version;

    app.get("/api/products", async () => ({
        version,
        products: withRatings ? await queries.listRatedProducts(db.pool) : await queries.listProducts(db.pool),
    }));

    app.get("/api/products/:id", async (request) => {
        const { id } = parseInput(productParams, request.params, "path");
        const product = withRatings ? await queries.findRatedProduct(db.pool, id) : await queries.findProduct(db.pool, id);
        if (!product) throw new HttpError(404, "product not found", { id });
        return { version, product };
    });

    if (!withRatings) return;

    app.get("/api/products/:id/ratings", async (request) => {
        const { id } = parseInput(productParams, request.params, "path");
        if (!(await queries.findProduct(db.pool, id))) throw new HttpError(404, "product not found", { id });
        return { version, productId: id, ratings: await queries.listRatings(db.pool, id) };
    });

    app.post("/api/products/:id/ratings", async (request, reply) => {
        const { id } = parseInput(productParams, request.params, "path");
        subjectOf(request); // any signed-in customer may rate
        const { stars, comment } = parseInput(newRating, request.body, "request body");
        if (!(await queries.findProduct(db.pool, id))) throw new HttpError(404, "product not found", { id });
        const rating = await queries.addRating(db.pool, id, stars, comment);
        metrics.businessEvents.inc({ event: "product_rated", status: "ok" });
        return reply.status(201).send({ version, rating });
    });
}
