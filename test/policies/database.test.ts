import { expect } from "chai";
import type { CapturedResource } from "../../tools/capture/capture";
import { capture, find, summary, violationsOf, withoutResource } from "./support";

const server = (resources: CapturedResource[]) => find(resources, "azure-native:dbforpostgresql:Server", "database").inputs;

describe("policies: data tier", () => {
    let prod: CapturedResource[];
    beforeEach(async () => {
        prod = await capture("prod");
    });

    describe("postgres-public-network-access-disabled", () => {
        it("passes: private access on a delegated subnet", () => {
            expect(violationsOf("postgres-public-network-access-disabled", prod)).to.deep.equal([]);
        });

        it("blocks public access in prod", () => {
            server(prod).network = { publicNetworkAccess: "Enabled" };
            const found = violationsOf("postgres-public-network-access-disabled", prod);
            expect(found.map((v) => v.enforcementLevel)).to.deep.equal(["mandatory"]);
            expect(found[0].message).to.equal("Flexible Server ecommercemeshprod-pg: publicNetworkAccess is Enabled, no delegatedSubnetResourceId, no privateDnsZoneArmResourceId, so the server is not private to the stack's network");
        });
    });

    describe("postgres-tls-enforced", () => {
        it("passes: require_secure_transport on", () => {
            expect(violationsOf("postgres-tls-enforced", prod)).to.deep.equal([]);
        });

        it("flags require_secure_transport off, and a server that does not declare it", () => {
            find(prod, "azure-native:dbforpostgresql:Configuration", "database-require-secure-transport").inputs.value = "off";
            expect(summary(violationsOf("postgres-tls-enforced", prod))).to.deep.equal(["database: Flexible Server ecommercemeshprod-pg: require_secure_transport is off, so connections without TLS may be accepted"]);
            const undeclared = withoutResource(prod, "azure-native:dbforpostgresql:Configuration", "database-require-secure-transport");
            expect(violationsOf("postgres-tls-enforced", undeclared)[0].message).to.contain("require_secure_transport is not declared");
        });
    });

    describe("postgres-ha-and-geo-backup", () => {
        it("passes prod: zone-redundant HA and geo-redundant backups", () => {
            expect(violationsOf("postgres-ha-and-geo-backup", prod)).to.deep.equal([]);
        });

        it("blocks prod without HA or geo backups, and is off in dev", async () => {
            const bare = await capture("prod", "database.azure.highAvailability=Disabled", "database.azure.geoRedundantBackup=false");
            expect(summary(violationsOf("postgres-ha-and-geo-backup", bare))).to.deep.equal([
                "database: Flexible Server ecommercemeshprod-pg: highAvailability.mode is Disabled and backup.geoRedundantBackup is Disabled, so a zone or region outage loses the database or its backups",
            ]);
            expect(violationsOf("postgres-ha-and-geo-backup", await capture("dev"), "dev")).to.deep.equal([]);
        });
    });

    describe("postgres-backup-retention", () => {
        it("passes: 14 days in prod, 7 in dev", async () => {
            expect(violationsOf("postgres-backup-retention", prod)).to.deep.equal([]);
            expect(violationsOf("postgres-backup-retention", await capture("dev"), "dev")).to.deep.equal([]);
        });

        it("flags fewer days than minDays on every Azure stack", () => {
            server(prod).backup.backupRetentionDays = 3;
            expect(summary(violationsOf("postgres-backup-retention", prod, "dev"))).to.deep.equal(["database: Flexible Server ecommercemeshprod-pg: backup.backupRetentionDays is 3, below 7 days"]);
        });
    });

    describe("cnpg-cluster-instances", () => {
        // ACME through workload identity needs AKS: this prod terminates TLS in front of the cluster.
        const inCluster = ["cluster.provider=existing", "images.registry=registry.example.com", "images.build=false", "database.provider=cluster", "edge.allowPlaintextHttp=true", "edge.tlsTerminatedBy=a load balancer"];

        it("passes a prod Cluster of three instances", async () => {
            expect(violationsOf("cnpg-cluster-instances", await capture("prod", ...inCluster))).to.deep.equal([]);
        });

        it("blocks a one-instance Cluster in prod, not on local", async () => {
            const single = await capture("prod", ...inCluster, "database.cluster.instances=1");
            expect(summary(violationsOf("cnpg-cluster-instances", single))).to.deep.equal([
                "database: Cluster ecommerce-data/ecommerce-pg: spec.instances is 1, below 2, so losing one node stops the database",
            ]);
            expect(violationsOf("cnpg-cluster-instances", await capture("local"), "local")).to.deep.equal([]);
        });
    });

    describe("database-connection-budget", () => {
        it("passes prod: 64 pods at their peak × 5 connections fit Standard_D4ds_v5's 1718 − 15", () => {
            expect(violationsOf("database-connection-budget", prod)).to.deep.equal([]);
        });

        it("blocks prod when the pools outgrow the server, naming the largest", async () => {
            const small = await capture("prod", "database.azure.sku.name=Standard_D2ds_v5", "services.product.databasePoolSize=30");
            const found = violationsOf("database-connection-budget", small);
            expect(found.map((v) => v.enforcementLevel)).to.deep.equal(["mandatory"]);
            // product: 2 versions × (12 HPA max + 1 surge) × 30 = 780; the rest 38 pods × 5 = 190
            expect(found[0].message).to.equal(
                "Flexible Server ecommercemeshprod-pg: the pods may open 970 connections but only 844 are available (max_connections 859 − 15 reserved); largest: product-v1 390, product-v2 390, order-v1 65",
            );
        });

        it("only advises in dev, and checks a CloudNativePG Cluster's max_connections", async () => {
            const crowded = await capture("local", "database.cluster.maxConnections=25");
            const found = violationsOf("database-connection-budget", crowded, "local");
            expect(found.map((v) => v.enforcementLevel)).to.deep.equal(["advisory"]);
            expect(found[0].message).to.match(/^Cluster ecommerce-data\/ecommerce-pg: the pods may open 90 connections but only 22 are available \(max_connections 25 − 3 reserved\)/);
        });
    });
});
