// The catalogue as one snapshot per process: the list and every product's answer, already
// serialized, each with a strong ETag. Rebuilt after a write anywhere (NOTIFY), see snapshot.ts;
// a rating rebuilds only its product's entry.
import { createHash } from "node:crypto";
import type { Queryable } from "../runtime/database";
import * as queries from "./queries";

/** The channel the product migrations' triggers notify. */
export const catalogueChannel = "product_catalogue";

export interface Page {
    readonly body: string;
    readonly etag: string;
}

export interface Catalogue {
    readonly products: readonly queries.Product[];
    readonly list: Page;
    readonly byId: ReadonlyMap<string, Page>;
}

function page(value: unknown): Page {
    const body = JSON.stringify(value);
    return { body, etag: `"${createHash("sha1").update(body).digest("base64url")}"` };
}

function build(version: string, products: readonly queries.Product[]): Catalogue {
    return {
        products,
        list: page({ version, products }),
        byId: new Map(products.map((product) => [product.id, page({ version, product })])),
    };
}

export async function loadCatalogue(db: Queryable, version: string, withRatings: boolean): Promise<Catalogue> {
    return build(version, withRatings ? await queries.listRatedProducts(db) : await queries.listProducts(db));
}

/** The product whose ratings a notification payload names (migration 4), if it names one. */
export const ratedProductOf = (payload: string): string | undefined => /^rating:(.+)$/.exec(payload)?.[1];

/**
 * The catalogue after `productId`'s ratings changed: that product read again with its totals,
 * the rest reused (only the list is serialized again). undefined when it is not in the copy.
 */
export async function withRatingOf(db: Queryable, catalogue: Catalogue, version: string, productId: string): Promise<Catalogue | undefined> {
    const index = catalogue.products.findIndex((product) => product.id === productId);
    const product = index < 0 ? undefined : await queries.findRatedProduct(db, productId);
    if (!product) return undefined;
    return build(version, catalogue.products.with(index, product));
}

/** True when the client's If-None-Match names this page's ETag (or `*`). */
export function isFresh(ifNoneMatch: string | undefined, etag: string): boolean {
    if (!ifNoneMatch) return false;
    return ifNoneMatch.split(",").some((tag) => {
        const t = tag.trim();
        return t === "*" || t === etag || t === `W/${etag}`;
    });
}
