// Re-reads a chart's values.yaml into its fixture, at the version its support-table row pins:
//   node --import tsx tools/charts/fixture.ts <chart> <values.yaml> "<owner/repo>@<commit> <path>"
// Bump the row's version first; the fixture is named and headed by that row (see valuesPaths.ts).
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { chartRow } from "../../policies/lib/support";
import { type ChartValuesFixture, fixtureNote, fixturePath, valuesPaths } from "./valuesPaths";

const root = path.resolve(__dirname, "..", "..");
/** How to run it; docs/updates.md gives the same line. */
export const usage = 'node --import tsx tools/charts/fixture.ts <chart> <values.yaml> "<owner/repo>@<commit> <path>"';

export function chartFixture(chart: string, valuesYaml: string, source: string): ChartValuesFixture {
    if (!/^[\w.-]+\/[\w.-]+@[0-9a-f]{7,40} \S+values\.yaml$/.test(source)) {
        throw new Error(`source "${source}" must read "<owner/repo>@<commit> <path>/values.yaml", the file that was read`);
    }
    const row = chartRow(chart);
    if (row.values) {
        throw new Error(`chart ${chart} keeps its whole values.yaml in ${row.values}: copy the file there instead`);
    }
    return { chart: row.name, version: row.version, source, note: fixtureNote, paths: valuesPaths(valuesYaml) };
}

if (require.main === module) {
    const [chart, file, source] = process.argv.slice(2);
    if (!chart || !file || !source) {
        process.stderr.write(`usage: ${usage}\n`);
        process.exit(2);
    }
    const fixture = chartFixture(chart, readFileSync(file, "utf8"), source);
    const out = fixturePath(fixture.chart, fixture.version);
    writeFileSync(path.join(root, out), `${JSON.stringify(fixture)}\n`);
    process.stdout.write(`${out}: ${fixture.paths.length} key paths\n`);
}
