import { expect } from "chai";
import { cnpgChart, cnpgOperatorValues } from "../../components/builders/cnpg";
import { contains, overlaps } from "../../components/builders/cidr";
import { addressPlan } from "../../components/network";
import { fromPulumiConfig, loadStackConfig, StackConfigError } from "../../stacks";
import { type Capture } from "../../tools/capture/capture";
import { maskSecrets } from "../../tools/render/model";
import { chartRow } from "../../stacks/support";
import { chartDefaults, unknownValues } from "../support/chartValues";
import { type BadInput, capture, itRejectsNamingTheKey, type Json, ofKind, one, problemsFor, projectDir, spec, stackConfig } from "../support/stacks";

const inputs = (r: { inputs: unknown }): Json => r.inputs;

describe("the data tier on Azure (prod)", () => {
    let c: Capture;
    before(async () => {
        c = await capture("prod");
    });

    it("creates a private, TLS-only, zone-redundant Flexible Server with geo-redundant backups", () => {
        const server = inputs(one(c, "azure-native:dbforpostgresql:Server", "database"));
        expect(server).to.include({ serverName: "ecommercemeshprod-pg", version: "17", administratorLogin: "ecommerceadmin", availabilityZone: "1" });
        expect(server.sku).to.deep.equal({ tier: "GeneralPurpose", name: "Standard_D4ds_v5" });
        expect(server.storage).to.deep.equal({ storageSizeGB: 128, autoGrow: "Enabled" });
        expect(server.backup).to.deep.equal({ backupRetentionDays: 14, geoRedundantBackup: "Enabled" });
        expect(server.highAvailability).to.deep.equal({ mode: "ZoneRedundant", standbyAvailabilityZone: "2" });
        expect(server.maintenanceWindow).to.deep.equal({ customWindow: "Enabled", dayOfWeek: 0, startHour: 2, startMinute: 0 });
        expect(server.network.publicNetworkAccess).to.equal("Disabled");
        expect(server.network.delegatedSubnetResourceId).to.equal(one(c, "azure-native:network:Subnet", "network-postgres").id);
        expect(server.network.privateDnsZoneArmResourceId).to.equal(one(c, "azure-native:privatedns:PrivateZone", "network-postgres").id);
        const parameters = ofKind(c, "azure-native:dbforpostgresql:Configuration").map((r) => [inputs(r).configurationName, inputs(r).value]);
        expect(parameters).to.deep.equal([["require_secure_transport", "on"], ["max_connections", "1718"]]);
    });

    it("generates the admin password and keeps it secret in the state, the Secrets and the outputs", () => {
        const server = one(c, "azure-native:dbforpostgresql:Server", "database");
        // What the engine stores encrypted: every copy of the password carries Pulumi's secret marker.
        const unmarked = (r: { markedInputs: unknown }) => JSON.stringify(maskSecrets(r.markedInputs));
        expect(unmarked(server)).to.not.contain("offline-password");
        expect(inputs(server).administratorLoginPassword).to.equal("offline-password"); // the mock's generated value
        for (const name of ["database", "database-admin"]) {
            expect(unmarked(one(c, "core/v1:Secret", name))).to.not.contain("offline-password");
        }
        expect(JSON.stringify(c.outputs)).to.not.contain("offline-password");
        expect(c.outputs.databaseHost).to.equal("ecommercemeshprod-pg.postgres.database.azure.com");
        expect(c.outputs.databaseSecretName).to.equal("ecommerce-db");
    });

    it("links the private DNS zone to the VNet and puts AKS nodes on the VNet's subnet", () => {
        expect(inputs(one(c, "azure-native:privatedns:PrivateZone", "network-postgres")).privateZoneName).to.equal("ecommercemeshprod-pg.private.postgres.database.azure.com");
        const link = inputs(one(c, "azure-native:privatedns:VirtualNetworkLink", "network-postgres"));
        expect(link.virtualNetwork.id).to.equal(one(c, "azure-native:network:VirtualNetwork", "network").id);
        expect(link.registrationEnabled).to.equal(false);
        const delegated = inputs(one(c, "azure-native:network:Subnet", "network-postgres"));
        expect(delegated.delegations).to.deep.equal([{ name: "postgres", serviceName: "Microsoft.DBforPostgreSQL/flexibleServers" }]);
        const nodes = one(c, "azure-native:network:Subnet", "network-aksNodes").id;
        const aks = inputs(one(c, "azure-native:containerservice:ManagedCluster", "aks"));
        const user = inputs(one(c, "azure-native:containerservice:AgentPool", "aks-user"));
        expect([...aks.agentPoolProfiles, user].map((pool: Json) => pool.vnetSubnetID)).to.deep.equal([nodes, nodes]);
        expect(inputs(one(c, "azure-native:authorization:RoleAssignment", "aks-subnet-network-contributor")).scope).to.equal(nodes);
    });

    it("gives every service its own login in the Secret, made by a bootstrap Job the Deployments wait for", () => {
        const secret = inputs(one(c, "core/v1:Secret", "database"));
        expect(Object.keys(secret.stringData)).to.have.length(8);
        expect(secret.stringData.DATABASE_URL_ORDER).to.equal("postgres://order_app:offline-password@ecommercemeshprod-pg.postgres.database.azure.com:5432/ecommerce?sslmode=verify-full");
        const job = one(c, "batch/v1:Job", "database-bootstrap");
        const [container] = spec(job).template.spec.containers;
        expect(container.command).to.deep.equal(["node", "dist/main.js", "bootstrap-logins"]);
        expect(container.env.find((e: Json) => e.name === "DATABASE_ADMIN_URL").valueFrom.secretKeyRef).to.deep.equal({ name: "ecommerce-db-admin", key: "DATABASE_ADMIN_URL" });
        expect(one(c, "apps/v1:Deployment", "order-v1").dependencies).to.include(job.urn);
    });

    it("rolls the pods and reruns the Job when the password rotation label changes", async () => {
        const rotated = await capture("prod", "database.passwordRotation=2026-12");
        const annotations = spec(one(rotated, "apps/v1:Deployment", "cart-v1")).template.metadata.annotations;
        expect(annotations).to.include({ "ecommerce-mesh/credentials-rotation": "2026-12" });
        expect(spec(one(rotated, "batch/v1:Job", "database-bootstrap")).template.metadata.annotations["ecommerce-mesh/credentials-rotation"]).to.equal("2026-12");
        expect(inputs(one(rotated, "random:index/randomPassword:RandomPassword", "database-admin")).keepers).to.deep.equal({ rotation: "2026-12" });
    });
});

describe("the data tier on Azure (dev)", () => {
    it("runs a Burstable server without HA, with 7 days of local backups", async () => {
        const server = inputs(one(await capture("dev"), "azure-native:dbforpostgresql:Server", "database"));
        expect(server.sku).to.deep.equal({ tier: "Burstable", name: "Standard_B2s" });
        expect(server.highAvailability).to.include({ mode: "Disabled" });
        expect(server.backup).to.deep.equal({ backupRetentionDays: 7, geoRedundantBackup: "Disabled" });
        expect(server.network.publicNetworkAccess).to.equal("Disabled");
    });
});

describe("the address plan", () => {
    const ranges = { ...Object.fromEntries(Object.entries(addressPlan.subnets).map(([name, plan]) => [name, plan.cidr])), podCidr: addressPlan.aks.podCidr, serviceCidr: addressPlan.aks.serviceCidr };

    it("never overlaps a subnet with another, with the AKS overlay pod CIDR or the service CIDR", () => {
        const names = Object.keys(ranges) as (keyof typeof ranges)[];
        const clashes = names.flatMap((a, i) => names.slice(i + 1).filter((b) => overlaps(ranges[a], ranges[b])).map((b) => `${a}/${b}`));
        expect(clashes).to.deep.equal([]);
        expect(overlaps(addressPlan.vnet, addressPlan.aks.podCidr) || overlaps(addressPlan.vnet, addressPlan.aks.serviceCidr)).to.equal(false);
        expect(contains(addressPlan.aks.serviceCidr, `${addressPlan.aks.dnsServiceIP}/32`)).to.equal(true);
    });

    it("is what the program declares: every subnet inside the VNet, AKS on the same pod and service ranges", async () => {
        const c = await capture("prod");
        const vnet = inputs(one(c, "azure-native:network:VirtualNetwork", "network")).addressSpace.addressPrefixes;
        expect(vnet).to.deep.equal([addressPlan.vnet]);
        for (const subnet of ofKind(c, "azure-native:network:Subnet")) {
            expect(contains(addressPlan.vnet, inputs(subnet).addressPrefix), subnet.name).to.equal(true);
        }
        const network = inputs(one(c, "azure-native:containerservice:ManagedCluster", "aks")).networkProfile;
        expect(network).to.include({ podCidr: "10.244.0.0/16", serviceCidr: "10.0.0.0/16", dnsServiceIP: "10.0.0.10" });
    });

    it("catches an overlap", () => {
        expect(overlaps("10.20.0.0/16", "10.20.16.0/24")).to.equal(true);
        expect(overlaps("10.20.0.0/20", "10.20.16.0/24")).to.equal(false);
        expect(() => overlaps("10.20.0.1/16", "10.0.0.0/8")).to.throw("host bits set");
    });
});

describe("the data tier in the cluster (local)", () => {
    let c: Capture;
    before(async () => {
        c = await capture("local");
    });

    it("installs the pinned CloudNativePG chart and a one-instance Cluster sized from config", () => {
        const release = inputs(one(c, "helm.sh/v3:Release", "database-operator"));
        expect(release).to.include({ chart: "cloudnative-pg", version: cnpgChart.version, namespace: "cnpg-system" });
        expect(release.repositoryOpts).to.deep.equal({ repo: cnpgChart.repository });
        const cluster = one(c, "postgresql.cnpg.io/v1:Cluster", "database");
        expect(spec(cluster)).to.deep.include({ instances: 1, storage: { size: "5Gi" }, enableSuperuserAccess: false, imageName: "ghcr.io/cloudnative-pg/postgresql:17" });
        expect(spec(cluster).postgresql.parameters).to.deep.equal({ max_connections: "200" });
        expect(inputs(cluster).metadata).to.deep.include({ name: "ecommerce-pg", namespace: "ecommerce-data" });
        expect(c.outputs.databaseHost).to.equal("ecommerce-pg-rw.ecommerce-data.svc.cluster.local");
    });

    it("passes the operator chart only values its values.yaml defines, at the pinned version, with and without high availability", () => {
        // The chart's values.yaml at the version policies/support-table.json pins (the row's `values` fixture).
        const defaults = chartDefaults(chartRow("cloudnative-pg").values!, projectDir);
        for (const highAvailability of [true, false]) {
            expect(unknownValues(cnpgOperatorValues(highAvailability), defaults), `highAvailability ${highAvailability}`).to.deep.equal([]);
        }
        expect(unknownValues({ crds: { install: true } }, defaults)).to.deep.equal(["crds.install: not a value of this chart (it declares create)"]);
    });

    it("sizes a prod Cluster with three instances", async () => {
        // ACME through workload identity needs AKS: this prod terminates TLS in front of the cluster.
        const prodInCluster = await capture("prod", "cluster.provider=existing", "images.registry=registry.example.com", "images.build=false", "database.provider=cluster", "edge.allowPlaintextHttp=true", "edge.tlsTerminatedBy=a load balancer");
        expect(spec(one(prodInCluster, "postgresql.cnpg.io/v1:Cluster", "database"))).to.deep.include({ instances: 3, storage: { size: "50Gi" } });
    });
});

describe("the data tier from outside (external)", () => {
    it("creates the Secret from database.url", async () => {
        const c = await capture("local", "database.provider=external", "database.url=postgres://shop:pw@db.example.com:5432/shop");
        expect(inputs(one(c, "core/v1:Secret", "database")).stringData).to.deep.equal({ DATABASE_URL: "postgres://shop:pw@db.example.com:5432/shop" });
        expect(c.outputs.databaseHost).to.equal("db.example.com");
        expect(ofKind(c, "postgresql.cnpg.io/v1:Cluster")).to.deep.equal([]);
    });

    it("points the services at a Secret that already exists when no URL is given", async () => {
        const c = await capture("local", "database.provider=external");
        // No Secret in the app namespace (the observability namespace keeps Grafana's own).
        expect(ofKind(c, "core/v1:Secret").filter((s) => !s.readId && (s.inputs as Json).metadata.namespace === "ecommerce")).to.deep.equal([]);
        const [container] = spec(one(c, "apps/v1:Deployment", "cart-v1")).template.spec.containers;
        expect(container.env.find((e: Json) => e.name === "DATABASE_URL").valueFrom.secretKeyRef).to.deep.equal({ name: "ecommerce-db", key: "DATABASE_URL" });
    });
});

describe("data tier config errors", () => {
    const badInputs: BadInput[] = [
        { set: ["database.provider=rds"], line: 'ecommerce-mesh:database.provider: "rds" is not one of azure, cluster, external' },
        { set: ["database.version=17"], line: 'ecommerce-mesh:database.version: 17 is not a PostgreSQL major version such as "17" (quote it in YAML: "17")' },
        { set: ["database.version=latest"], line: 'ecommerce-mesh:database.version: "latest" is not a PostgreSQL major version such as "17"' },
        { set: ["database.azure.sku.name=Standard_D3_v9"], line: /^ecommerce-mesh:database\.azure\.sku\.name: "Standard_D3_v9" is not one of Standard_B1ms, / },
        { set: ["database.azure.sku.name=Standard_B2s"], line: 'ecommerce-mesh:database.azure.sku.name: "Standard_B2s" is a Burstable SKU, not GeneralPurpose (set database.azure.sku.tier to Burstable or pick a GeneralPurpose size)' },
        { set: ["database.azure.sku={tier: Burstable, name: Standard_B2ms}"], line: 'ecommerce-mesh:database.azure.highAvailability: "ZoneRedundant" is not offered on the Burstable tier: use GeneralPurpose or MemoryOptimized, or Disabled' },
        { set: ["database.azure.backupRetentionDays=3"], line: "ecommerce-mesh:database.azure.backupRetentionDays: 3 is not an integer from 7 to 35" },
        { set: ["database.azure.storageSizeGB=100"], line: /^ecommerce-mesh:database\.azure\.storageSizeGB: 100 is not a Flexible Server storage size in GiB \(32, 64, 128/ },
        { set: ["database.azure.maintenanceWindow.startHour=25"], line: "ecommerce-mesh:database.azure.maintenanceWindow.startHour: 25 is not an integer from 0 to 23" },
        { stack: "local", set: ["database.provider=azure"], line: /^ecommerce-mesh:database\.provider: "azure" needs cluster\.provider aks/ },
        { set: ["database.url=postgres://u:p@h/db"], line: 'ecommerce-mesh:database.url: "[secret]" is only read with database.provider external (this stack provisions its database: azure)' },
        { stack: "local", set: ["database.cluster.instances=0"], line: "ecommerce-mesh:database.cluster.instances: 0 is not an integer from 1 to 9" },
        { set: ["services.cart.databasePoolSize=0"], line: "ecommerce-mesh:services.cart.databasePoolSize: 0 is not an integer from 1 to 100" },
        { set: ["database.azure.highAvailability=Always"], line: 'ecommerce-mesh:database.azure.highAvailability: "Always" is not one of Disabled, ZoneRedundant, SameZone' },
    ];
    itRejectsNamingTheKey(badInputs);

    // Quoted values, as a stack file holds them (`--path` assignments read YAML scalars).
    const withDatabase = (database: Record<string, unknown>) => {
        const raw = fromPulumiConfig(stackConfig("prod").values);
        try {
            loadStackConfig({ ...raw, database: { ...(raw.database as object), ...database } });
        } catch (error) {
            return (error as StackConfigError).problems;
        }
        return [];
    };

    it("accepts only the majors the support table offers for the provider, naming the key and the allowed majors", () => {
        expect(withDatabase({ version: "15" })).to.deep.equal([
            'ecommerce-mesh:database.version: "15" is not a PostgreSQL major policies/support-table.json offers for database.provider azure (azure-flexible-server): use one of 18, 17, 16, 14',
        ]);
        expect(withDatabase({ version: "16" })).to.deep.equal([]);
        expect(withDatabase({ provider: "cluster", version: "14" })).to.include(
            'ecommerce-mesh:database.version: "14" is not a PostgreSQL major policies/support-table.json offers for database.provider cluster (cloudnative-pg): use one of 18, 17, 16',
        );
    });

    it("rejects a major older than 16 for an external database, whose offering the table does not know", () => {
        expect(withDatabase({ provider: "external", version: "15" })).to.deep.equal(['ecommerce-mesh:database.version: "15" is older than PostgreSQL 16: use 16 or later']);
    });

    it("rejects a zone-redundant standby in the primary's zone naming the key", () => {
        expect(withDatabase({ azure: { standbyZone: "1" } })).to.deep.equal(['ecommerce-mesh:database.azure.standbyZone: "1" must differ from database.azure.zone (1) for zone-redundant high availability']);
    });

    it("never prints the database URL it rejects", () => {
        expect(problemsFor("prod", "database.url=postgres://u:hunter2@h/db").join("\n")).to.not.contain("hunter2");
    });
});
