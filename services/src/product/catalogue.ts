// The catalogue as one snapshot per process: the list and every product's answer, already
// serialized, each with a strong ETag. Rebuilt after a write anywhere (NOTIFY), see snapshot.ts.
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
    readonly list: Page;
    readonly byId: ReadonlyMap<string, Page>;
}

function page(value: unknown): Page {
    const body = JSON.stringify(value);
    return { body, etag: `"${createHash("sha1").update(body).digest("base64url")}"` };
}

export async function loadCatalogue(db: Queryable, version: string, withRatings: boolean): Promise<Catalogue> {
    const products = withRatings ? await queries.listRatedProducts(db) : await queries.listProducts(db);
    return {
        list: page({ version, products }),
        byId: new Map(products.map((product) => [product.id, page({ version, product })])),
    };
}

/** True when the client's If-None-Match names this page's ETag (or `*`). */
export function isFresh(ifNoneMatch: string | undefined, etag: string): boolean {
    if (!ifNoneMatch) return false;
    return ifNoneMatch.split(",").some((tag) => {
        const t = tag.trim();
        return t === "*" || t === etag || t === `W/${etag}`;
    });
}
