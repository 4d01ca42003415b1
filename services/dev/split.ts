// The orchestrator receives the product split from tools/dev.ts (which reads the stack
// config) as JSON in DEV_PRODUCT_SPLIT; validate it here so a bad value fails at start.
import { z } from "zod";
import { defaultProductSplit, type ProductSplit } from "./routes";

const splitSchema = z.strictObject({
    stable: z.string().min(1),
    canary: z.string().min(1),
    weight: z.number().int().min(0).max(100),
    header: z.string().regex(/^[A-Za-z0-9-]+$/, "must be an HTTP header name"),
});

export function parseProductSplit(json: string | undefined): ProductSplit {
    if (!json) return defaultProductSplit;
    return splitSchema.parse(JSON.parse(json));
}

export function describeSplit(split: ProductSplit): string {
    return `product ${split.stable} ${100 - split.weight}% / ${split.canary} ${split.weight}%, header ${split.header}`;
}
