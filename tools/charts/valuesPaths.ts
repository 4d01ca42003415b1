// The chart-values fixture format: every key path of a chart's values.yaml (keys only, no
// values), with a header naming the support-table row it was read for. The fixtures under
// test/fixtures/chart-values/ are written by tools/charts/fixture.ts from this module, and
// test/program/chartFixtures.test.ts checks each one against its row.
import { parse } from "yaml";

type Plain = Record<string, unknown>;
const isPlain = (value: unknown): value is Plain => typeof value === "object" && value !== null && !Array.isArray(value);

/** Dotted key paths of a values.yaml, sorted: each map key, descending into non-empty maps but not into lists. */
export function valuesPaths(valuesYaml: string): string[] {
    const parsed: unknown = parse(valuesYaml);
    if (!isPlain(parsed)) {
        throw new Error("values.yaml: the document is not a map of values");
    }
    const walk = (node: Plain, prefix: string): string[] =>
        Object.entries(node).flatMap(([key, value]) => {
            const at = prefix ? `${prefix}.${key}` : key;
            return isPlain(value) && Object.keys(value).length ? [at, ...walk(value, at)] : [at];
        });
    return [...new Set(walk(parsed, ""))].sort();
}

/** A chart-values fixture: the chart and version of its support-table row, where the values.yaml was read, and its key paths. */
export interface ChartValuesFixture {
    chart: string;
    version: string;
    /** repository@commit path of the values.yaml that was read. */
    source: string;
    note: string;
    paths: string[];
}

export const fixtureNote = "every key path of the chart values.yaml (keys only, no values), written by tools/charts/fixture.ts";

/** The fixture's file, from the project root: named by the chart and the version its row pins. */
export const fixturePath = (chart: string, version: string) => `test/fixtures/chart-values/${chart}-${version}.json`;
