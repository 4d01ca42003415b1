// The data tier's config keys (database.*) and the combinations Azure refuses, kept apart from
// schema.ts so the rules about PostgreSQL live in one file. The leaf builders come from
// schema.ts, so every error reads the same way.
import { z } from "zod";
import { type PostgresSkuName, postgresSkuNames, postgresSkus, skuTiers, storageSizesGB } from "./postgresSkus";
import { type PostgresOffering, supportTable } from "./support";

interface Leaves {
    intFrom(min: number, max: number): z.ZodInt;
    oneOf<const T extends readonly [string, ...string[]]>(values: T): z.ZodEnum<{ [K in T[number]]: K }>;
    matching(pattern: RegExp, what: string): z.ZodString;
    flag: z.ZodBoolean;
}

export const databaseProviders = ["azure", "cluster", "external"] as const;
export const highAvailabilityModes = ["Disabled", "ZoneRedundant", "SameZone"] as const;
/** The oldest PostgreSQL major the program accepts for an external database, whose offering it does not know. */
export const oldestPostgresMajor = 16;
/** The support table's offering of each provider the program provisions. */
const offerings: Partial<Record<(typeof databaseProviders)[number], PostgresOffering>> = { azure: "azure-flexible-server", cluster: "cloudnative-pg" };

/**
 * Majors the support table lists for a provider's offering, whatever their dates: the table
 * decides what can be asked for, the policy postgres-supported-version judges it on the day.
 */
export function offeredPostgresMajors(provider: (typeof databaseProviders)[number]): string[] | undefined {
    const offering = offerings[provider];
    return offering && supportTable.postgres.filter((row) => row.offering === offering).map((row) => row.major);
}

export function databaseKeys({ intFrom, oneOf, matching, flag }: Leaves) {
    const zone = matching(/^[1-3]$/, "an availability zone: 1, 2 or 3");
    const sizeText = `is not a Flexible Server storage size in GiB (${storageSizesGB.join(", ")})`;
    return {
        provider: oneOf(databaseProviders),
        // Which majors: the provider's offering in the support table (refineDatabase).
        version: matching(/^\d+$/, "a PostgreSQL major version such as \"17\""),
        // Any new label (a date, say) is a `keepers` change: new passwords on the next `pulumi up`.
        passwordRotation: matching(/^[A-Za-z0-9._-]{1,63}$/, "a rotation label such as 2026-12 (letters, digits, '.', '_', '-')").optional(),
        azure: z.strictObject({
            sku: z.strictObject({ tier: oneOf(skuTiers), name: oneOf(postgresSkuNames) }),
            storageSizeGB: z.number({ error: sizeText }).refine((size) => (storageSizesGB as readonly number[]).includes(size), { error: sizeText }),
            backupRetentionDays: intFrom(7, 35),
            geoRedundantBackup: flag,
            highAvailability: oneOf(highAvailabilityModes),
            zone: zone.optional(),
            standbyZone: zone.optional(),
            maintenanceWindow: z.strictObject({ dayOfWeek: intFrom(0, 6), startHour: intFrom(0, 23), startMinute: intFrom(0, 59) }),
        }),
        cluster: z.strictObject({
            instances: intFrom(1, 9),
            storageSize: matching(/^\d+(Mi|Gi|Ti)$/, "a volume size such as 10Gi"),
            storageClass: matching(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "a StorageClass name").optional(),
            maxConnections: intFrom(25, 10000),
        }),
    };
}

interface DatabaseView {
    cluster: { provider: string };
    database: {
        provider: (typeof databaseProviders)[number];
        version: string;
        url?: string;
        azure: { sku: { tier: string; name: PostgresSkuName }; highAvailability: string; zone?: string; standbyZone?: string };
    };
}

export function refineDatabase(config: DatabaseView, ctx: z.RefinementCtx): void {
    const { database } = config;
    const issue = (path: string[], input: unknown, message: string) => ctx.addIssue({ code: "custom", path: ["database", ...path], input, message });
    if (database.provider === "azure" && config.cluster.provider !== "aks") {
        issue(["provider"], database.provider, "needs cluster.provider aks: the Flexible Server joins the stack's virtual network (use cluster or external)");
    }
    if (database.url !== undefined && database.provider !== "external") {
        issue(["url"], "[secret]", `is only read with database.provider external (this stack provisions its database: ${database.provider})`);
    }
    const offered = offeredPostgresMajors(database.provider);
    if (offered && !offered.includes(database.version)) {
        issue(["version"], database.version, `is not a PostgreSQL major policies/support-table.json offers for database.provider ${database.provider} (${offerings[database.provider]}): use one of ${offered.join(", ")}`);
    } else if (!offered && Number(database.version) < oldestPostgresMajor) {
        issue(["version"], database.version, `is older than PostgreSQL ${oldestPostgresMajor}: use ${oldestPostgresMajor} or later`);
    }
    const { sku, highAvailability, zone, standbyZone } = database.azure;
    const tier = postgresSkus[sku.name].tier;
    if (tier !== sku.tier) {
        issue(["azure", "sku", "name"], sku.name, `is a ${tier} SKU, not ${sku.tier} (set database.azure.sku.tier to ${tier} or pick a ${sku.tier} size)`);
    }
    if (highAvailability !== "Disabled" && sku.tier === "Burstable") {
        issue(["azure", "highAvailability"], highAvailability, "is not offered on the Burstable tier: use GeneralPurpose or MemoryOptimized, or Disabled");
    }
    if (highAvailability === "ZoneRedundant" && zone !== undefined && zone === standbyZone) {
        issue(["azure", "standbyZone"], standbyZone, `must differ from database.azure.zone (${zone}) for zone-redundant high availability`);
    }
}
