// The data tier in a render: azure.yaml shows what `pulumi up` would create on Azure, and no
// password appears anywhere in the files.
import { expect } from "chai";
import { parse } from "yaml";
import { renderStack } from "../../tools/render/pipeline";
import { projectDir, scratchDir } from "./support";

describe("render: the data tier", function () {
    this.timeout(120_000);

    it("shows the server, the network, its subnets and the DNS zone in azure.yaml, secrets masked", async () => {
        const result = await renderStack({ projectDir, stack: "prod", outDir: scratchDir("prod-db") });
        const azure = parse(result.files.get("azure.yaml")!) as { resources: { type: string; inputs: Record<string, any> }[] };
        const types = azure.resources.map((r) => r.type);
        expect(types).to.include.members([
            "azure-native:dbforpostgresql:Server",
            "azure-native:dbforpostgresql:Configuration",
            "azure-native:dbforpostgresql:Database",
            "azure-native:network:VirtualNetwork",
            "azure-native:network:Subnet",
            "azure-native:privatedns:PrivateZone",
            "azure-native:privatedns:VirtualNetworkLink",
        ]);
        const server = azure.resources.find((r) => r.type === "azure-native:dbforpostgresql:Server")!;
        expect(server.inputs.administratorLoginPassword).to.equal("[secret]");
        expect(server.inputs.network.publicNetworkAccess).to.equal("Disabled");
        const subnets = azure.resources.filter((r) => r.type === "azure-native:network:Subnet").map((r) => r.inputs.addressPrefix);
        expect(subnets).to.have.members(["10.20.0.0/20", "10.20.16.0/24", "10.20.17.0/24"]);
        for (const [file, text] of result.files) {
            expect(text, file).to.not.contain("offline-password");
        }
    });
});
