// `npm run check` options: the day the version policies judge by and their look-ahead, laid
// over every stack's policy config. The daily support check (.github/workflows/support-check.yml)
// passes --look-ahead-days; --today lets a test or a dry run judge another day.

/** The policies that judge by a day (policies/rules/versions.ts). */
export const datedPolicies = ["istio-supported-version", "kubernetes-supported-version", "postgres-supported-version"] as const;

export type CheckArgs = { help: true } | { help: false; settings: Record<string, Record<string, unknown>>; today?: string };

export function parseCheckArgs(argv: readonly string[]): CheckArgs {
    if (argv.includes("--help") || argv.includes("-h")) {
        return { help: true };
    }
    const values: { today?: string; lookAheadDays?: number } = {};
    for (let i = 0; i < argv.length; i += 2) {
        const [flag, value] = [argv[i], argv[i + 1]];
        if (value === undefined || value.startsWith("--")) {
            throw new Error(`${flag}: needs a value`);
        }
        if (flag === "--look-ahead-days") {
            if (!/^\d+$/.test(value) || Number(value) > 366) {
                throw new Error(`--look-ahead-days: ${JSON.stringify(value)} is not a whole number of days from 0 to 366`);
            }
            values.lookAheadDays = Number(value);
        } else if (flag === "--today") {
            if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
                throw new Error(`--today: ${JSON.stringify(value)} is not a date such as 2026-12-01`);
            }
            values.today = value;
        } else {
            throw new Error(`${flag}: not an option (options: --look-ahead-days <days>, --today <YYYY-MM-DD>)`);
        }
    }
    const settings = Object.keys(values).length ? Object.fromEntries(datedPolicies.map((p) => [p, { ...values }])) : {};
    return { help: false, settings, ...(values.today ? { today: values.today } : {}) };
}
