// Request parsing with zod: a failed parse becomes a 400 that lists each problem by path.
import * as z from "zod";
import { HttpError } from "./errors";

export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown, what: string): z.output<Schema> {
    const result = schema.safeParse(input);
    if (result.success) return result.data;
    throw new HttpError(
        400,
        `invalid ${what}`,
        result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
    );
}

/** Ids in paths and bodies: short, URL-safe, never empty. */
export const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "expected an id of 1-64 letters, digits, _ or -" });

/** Largest amount one payment may carry, in minor units. */
export const maxAmount = 100_000_000;

/** Money in minor units (cents). */
export const amountSchema = z.number().int().positive().max(maxAmount);

export const quantitySchema = z.number().int().positive().max(1000);

export const idempotencyKeySchema = z
    .string({ error: "an Idempotency-Key header is required" })
    .regex(/^[\x21-\x7e]{1,200}$/, { error: "Idempotency-Key must be 1-200 visible ASCII characters" });
