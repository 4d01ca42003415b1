// Product catalogue. v2 is the same API plus ratings: a `rating` summary on every product
// and /api/products/:id/ratings to read and add them.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import * as z from "zod";
import { HttpError } from "../runtime/errors";
import { subjectOf } from "../runtime/identity";
import type { ServiceContext } from "../runtime/service-module";
import { NotifiedSnapshot } from "../runtime/snapshot";
import { idSchema, parseInput } from "../runtime/validation";
import { catalogueChannel, isFresh, loadCatalogue, ratedProductOf, withRatingOf, type Page } from "./catalogue";
import * as queries from "./queries";

const productParams = z.object({ id: idSchema });
const newRating = z.strictObject({ stars: z.number().int().min(1).max(5), comment: z.string().max(500).default("") });

// Clients may keep an answer but must revalidate it: a 304 costs no body, and a write shows at once.
const cacheControl = "no-cache";

function sendPage(request: FastifyRequest, reply: FastifyReply, page: Page) {
    reply.header("etag", page.etag).header("cache-control", cacheControl);
    if (isFresh(request.headers["if-none-match"], page.etag)) return reply.status(304).send();
    return reply.type("application/json; charset=utf-8").send(page.body);
}

export function registerProductRoutes(app: FastifyInstance, { config, db, metrics, logger }: ServiceContext): void {
    const withRatings = config.version !== "v1";
    const version = config.version;
    const catalogue = new NotifiedSnapshot({
        databaseUrl: config.databaseUrl,
        channel: catalogueChannel,
        load: () => loadCatalogue(db.pool, version, withRatings),
        // A rating changes one product's summary, which v1 does not show.
        update: (current, payload) => {
            const productId = ratedProductOf(payload);
            if (productId === undefined) return undefined;
            return withRatings ? withRatingOf(db.pool, current, version, productId) : Promise.resolve(current);
        },
        logger,
    });
    void catalogue.start();
    app.addHook("onClose", () => catalogue.close());

    app.get("/api/products", async (request, reply) => sendPage(request, reply, (await catalogue.get()).list));

    app.get("/api/products/:id", async (request, reply) => {
        const { id } = parseInput(productParams, request.params, "path");
        const page = (await catalogue.get()).byId.get(id);
        if (!page) throw new HttpError(404, "product not found", { id });
        return sendPage(request, reply, page);
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
        // Read your own write here at once; other replicas follow on the NOTIFY.
        catalogue.refresh(`rating:${id}`);
        metrics.businessEvents.inc({ event: "product_rated", status: "ok" });
        return reply.status(201).send({ version, rating });
    });
}
