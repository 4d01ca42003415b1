// Azure Database for PostgreSQL Flexible Server compute SKUs the program offers, with the
// default max_connections Azure gives each. Source: learn.microsoft.com, "Limits in Azure
// Database for PostgreSQL flexible server", Maximum connections table (read 2026-12-01).
// Azure reserves 15 of them for replication and monitoring.

export const skuTiers = ["Burstable", "GeneralPurpose", "MemoryOptimized"] as const;
export type SkuTier = (typeof skuTiers)[number];

export interface PostgresSku {
    tier: SkuTier;
    vCores: number;
    maxConnections: number;
}

/** Connections Azure keeps for physical replication and monitoring (the docs' max minus max user connections). */
export const azureReservedConnections = 15;

const burstable = (vCores: number, maxConnections: number): PostgresSku => ({ tier: "Burstable", vCores, maxConnections });
const general = (vCores: number, maxConnections: number): PostgresSku => ({ tier: "GeneralPurpose", vCores, maxConnections });
const memory = (vCores: number, maxConnections: number): PostgresSku => ({ tier: "MemoryOptimized", vCores, maxConnections });

export const postgresSkus = {
    Standard_B1ms: burstable(1, 50),
    Standard_B2s: burstable(2, 429),
    Standard_B2ms: burstable(2, 859),
    Standard_B4ms: burstable(4, 1718),
    Standard_B8ms: burstable(8, 3437),
    Standard_B12ms: burstable(12, 5000),
    Standard_B16ms: burstable(16, 5000),
    Standard_B20ms: burstable(20, 5000),
    Standard_D2ds_v5: general(2, 859),
    Standard_D4ds_v5: general(4, 1718),
    Standard_D8ds_v5: general(8, 3437),
    Standard_D16ds_v5: general(16, 5000),
    Standard_D32ds_v5: general(32, 5000),
    Standard_D48ds_v5: general(48, 5000),
    Standard_D64ds_v5: general(64, 5000),
    Standard_D2ads_v5: general(2, 859),
    Standard_D4ads_v5: general(4, 1718),
    Standard_D8ads_v5: general(8, 3437),
    Standard_D16ads_v5: general(16, 5000),
    Standard_E2ds_v5: memory(2, 1718),
    Standard_E4ds_v5: memory(4, 3437),
    Standard_E8ds_v5: memory(8, 5000),
    Standard_E16ds_v5: memory(16, 5000),
    Standard_E32ds_v5: memory(32, 5000),
} as const satisfies Record<string, PostgresSku>;

export type PostgresSkuName = keyof typeof postgresSkus;
export const postgresSkuNames = Object.keys(postgresSkus) as [PostgresSkuName, ...PostgresSkuName[]];

/** Storage sizes (GiB) Flexible Server offers on Premium SSD. */
export const storageSizesGB = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767] as const;
