// The README's data tier section states the default SKUs, their cost class and the chart pin:
// each claim is read from the code it describes.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { cnpgChart } from "../../components/builders/cnpg";
import { databaseDefaults } from "../../stacks/databaseDefaults";
import { postgresSkus } from "../../stacks/postgresSkus";

const readme = readFileSync(path.join(__dirname, "..", "..", "docs", "deploying.md"), "utf8");
const section = readme.slice(readme.indexOf("### The data tier (PostgreSQL)"), readme.indexOf("### Move the canary")).replace(/\s+/g, " ");
const tierNames = { Burstable: "Burstable", GeneralPurpose: "General Purpose", MemoryOptimized: "Memory Optimized" };

describe("README data tier section", () => {
    it("names the dev and prod default SKUs with their tier and vCores", () => {
        for (const environment of ["dev", "prod"]) {
            const { sku } = databaseDefaults({ environment }).database.azure;
            const { tier, vCores } = postgresSkus[sku.name as keyof typeof postgresSkus];
            expect(section).to.contain(`${environment} \`${sku.name}\` (${tierNames[tier]}, ${vCores} vCores)`);
        }
    });

    it("names the pinned CloudNativePG chart version", () => {
        expect(section).to.contain(`\`cloudnative-pg\` ${cnpgChart.version}`);
    });
});
