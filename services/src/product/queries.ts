import type { Queryable } from "../runtime/database";

export interface Product {
    id: string;
    name: string;
    description: string;
    price: number;
    currency: string;
}

export interface RatingSummary {
    average: number | null;
    count: number;
}

export type RatedProduct = Product & { rating: RatingSummary };

const productColumns = "p.id, p.name, p.description, p.price, p.currency";
// Numeric ids sort as numbers so the catalogue reads 1, 2, ... 12.
const catalogueOrder = "ORDER BY length(p.id), p.id";

export async function listProducts(db: Queryable): Promise<Product[]> {
    return (await db.query<Product>(`SELECT ${productColumns} FROM products p ${catalogueOrder}`)).rows;
}

export async function findProduct(db: Queryable, id: string): Promise<Product | undefined> {
    return (await db.query<Product>(`SELECT ${productColumns} FROM products p WHERE p.id = $1`, [id])).rows[0];
}

// Each product's summary from its row of totals (kept by a trigger, migration 4): never an
// aggregate over the ratings themselves, so the cost does not grow with their number.
const ratedSelect = `
    SELECT ${productColumns},
           json_build_object('average', round(t.stars::numeric / nullif(t.count, 0), 2)::float8, 'count', coalesce(t.count, 0)) AS rating
    FROM products p LEFT JOIN rating_totals t ON t.product_id = p.id`;

export async function listRatedProducts(db: Queryable): Promise<RatedProduct[]> {
    return (await db.query<RatedProduct>(`${ratedSelect} ${catalogueOrder}`)).rows;
}

export async function findRatedProduct(db: Queryable, id: string): Promise<RatedProduct | undefined> {
    return (await db.query<RatedProduct>(`${ratedSelect} WHERE p.id = $1`, [id])).rows[0];
}

export interface Rating {
    id: string;
    productId: string;
    stars: number;
    comment: string;
    createdAt: string;
}

const ratingColumns = `id::text, product_id AS "productId", stars, comment, created_at AS "createdAt"`;

export async function listRatings(db: Queryable, productId: string): Promise<Rating[]> {
    return (await db.query<Rating>(`SELECT ${ratingColumns} FROM ratings WHERE product_id = $1 ORDER BY id`, [productId])).rows;
}

export async function addRating(db: Queryable, productId: string, stars: number, comment: string): Promise<Rating> {
    const result = await db.query<Rating>(
        `INSERT INTO ratings (product_id, stars, comment) VALUES ($1, $2, $3) RETURNING ${ratingColumns}`,
        [productId, stars, comment],
    );
    return result.rows[0];
}
