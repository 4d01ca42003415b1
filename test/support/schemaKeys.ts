// The leaf keys of the stack config schema, as the docs name them (`cluster.tier`); the walk is
// the config reference generator's (tools/docs/configReference.ts), so both list the same keys.
import { schemaLeaves } from "../../tools/docs/configReference";

/** Leaf keys of the schema; one service stands for `services.<name>`. */
export function schemaKeys(): string[] {
    return schemaLeaves().map((leaf) => leaf.key);
}
