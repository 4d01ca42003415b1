// The leaf keys of the stack config schema, as the docs name them (`cluster.tier`).
import { z } from "zod";
import { stackConfigSchema } from "../../stacks/schema";

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
    return schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault ? unwrap(schema.unwrap() as z.core.$ZodType) : schema;
}

/** Leaf keys of the schema; one service stands for `services.<name>`, objects of leaves count whole. */
export function schemaKeys(schema: z.core.$ZodType = stackConfigSchema, prefix = ""): string[] {
    const inner = unwrap(schema);
    if (!(inner instanceof z.ZodObject)) {
        return [prefix];
    }
    return Object.entries(inner.shape).flatMap(([key, child]) => {
        if (prefix === "services") {
            return key === "product" ? schemaKeys(child as z.core.$ZodType, "services.<name>") : [];
        }
        return schemaKeys(child as z.core.$ZodType, prefix ? `${prefix}.${key}` : key);
    });
}
