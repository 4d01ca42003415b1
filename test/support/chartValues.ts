// Checks Helm values against a chart's values.yaml: every key the program passes must be one the
// chart declares. Istio's charts keep their defaults under `_internal_defaults_do_not_set`, and
// istiod also accepts its keys under the legacy `pilot.` prefix (templates/zzy_descope_legacy.yaml).
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

type Plain = Record<string, unknown>;
const isPlain = (value: unknown): value is Plain => typeof value === "object" && value !== null && !Array.isArray(value);

/** The defaults a chart's values.yaml declares (Istio's wrapper key unwrapped). */
export function chartDefaults(file: string, projectDir: string): Plain {
    const parsed = parse(readFileSync(path.join(projectDir, file), "utf8")) as Plain;
    const { _internal_defaults_do_not_set: wrapped, ...rest } = parsed;
    return isPlain(wrapped) ? { ...rest, ...wrapped } : parsed;
}

/**
 * The paths of `values` the chart does not declare, or declares as another shape. A default of
 * `{}` is an open map (annotations, podDisruptionBudget, seccompProfile), and so is `meshConfig`,
 * whose schema is Istio's MeshConfig API rather than the chart.
 */
export function unknownValues(values: Plain, defaults: Plain, openMaps: readonly string[] = ["meshConfig"], at = ""): string[] {
    const problems: string[] = [];
    for (const [key, value] of Object.entries(values)) {
        const where = at ? `${at}.${key}` : key;
        if (!(key in defaults)) {
            problems.push(`${where}: not a value of this chart (it declares ${Object.keys(defaults).join(", ")})`);
            continue;
        }
        const declared = defaults[key];
        if (isPlain(value)) {
            if (declared !== null && !isPlain(declared)) {
                problems.push(`${where}: the chart declares a ${Array.isArray(declared) ? "list" : typeof declared}, not a map`);
            } else if (isPlain(declared) && Object.keys(declared).length > 0 && !openMaps.includes(where)) {
                problems.push(...unknownValues(value, declared, openMaps, where));
            }
        } else if (isPlain(declared) && Object.keys(declared).length > 0) {
            problems.push(`${where}: the chart declares a map here, not ${JSON.stringify(value)}`);
        }
    }
    return problems;
}

/** istiod's chart copies `pilot.*` to the top level before rendering: check them where they land. */
export function descopePilot(values: Plain): Plain {
    const { pilot, ...rest } = values;
    return isPlain(pilot) ? { ...rest, ...pilot } : values;
}
