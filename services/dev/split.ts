// The orchestrator receives the product split from tools/dev.ts (which reads the stack
// config) as JSON in DEV_PRODUCT_SPLIT; validate it here so a bad value fails at start.
import { z } from "zod";
import { DevError } from "./errors";
import { defaultProductSplit, type ProductSplit } from "./routes";

const splitSchema = z.strictObject({
    stable: z.string().min(1),
    canary: z.string().min(1),
    weight: z.number().int().min(0).max(100),
    header: z.string().regex(/^[A-Za-z0-9-]+$/, "must be an HTTP header name"),
});

export function parseProductSplit(json: string | undefined): ProductSplit {
    if (!json) return defaultProductSplit;
    let raw: unknown;
    try {
        raw = JSON.parse(json);
    } catch {
        throw new DevError(`DEV_PRODUCT_SPLIT is not JSON: ${json}`);
    }
    const parsed = splitSchema.safeParse(raw);
    if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "value"}: ${issue.message}`);
        throw new DevError(`DEV_PRODUCT_SPLIT (the stack's product.canary) ${json} is not a valid split: ${problems.join("; ")}`);
    }
    return parsed.data;
}

export function describeSplit(split: ProductSplit): string {
    return `product ${split.stable} ${100 - split.weight}% / ${split.canary} ${split.weight}%, header ${split.header}`;
}
