// The container mode's plan: the rendered objects go to the engine unchanged but for the
// names a cluster would resolve (hostAliases to the gateway) and the ports podman would
// publish on the host.
import { expect } from "chai";
import { planContainers, type KubeObject } from "../dev/container-manifests";

function deployment(name: string, app: string, env: object[]): KubeObject {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace: "ecommerce" },
        spec: {
            replicas: 1,
            template: {
                metadata: { labels: { app, version: "v1" } },
                spec: {
                    securityContext: { runAsUser: 10001 },
                    containers: [
                        {
                            name: app,
                            image: `localhost:5001/${app}:0.1.0`,
                            env,
                            ports: [{ containerPort: 8080, name: "http" }],
                            startupProbe: { httpGet: { path: "/health/startup", port: "http" } },
                            readinessProbe: { httpGet: { path: "/health/ready", port: 8080 } },
                        },
                    ],
                },
            },
        },
    };
}

const databaseEnv = { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "ecommerce-db", key: "DATABASE_URL" } } };
const secret: KubeObject = { apiVersion: "v1", kind: "Secret", metadata: { name: "ecommerce-db" }, stringData: { DATABASE_URL: "postgres://u:p@db.example.internal:5432/ecommerce" } };
const configMap: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { a: "1" } };
const order = deployment("order-v1", "order", [databaseEnv, { name: "PRODUCT_URL", value: "http://product.ecommerce.svc.cluster.local" }]);
const product = deployment("product-v1", "product", [databaseEnv]);

describe("container mode: the plan for the engine", () => {
    const plan = planContainers([secret, configMap, order, product], "10.89.0.1");

    it("maps every cluster name and the database host to the gateway with hostAliases", () => {
        expect(plan.hostnames).to.deep.equal(["db.example.internal", "product.ecommerce.svc.cluster.local"]);
        const played = plan.play.find((o) => o.metadata.name === "order-v1") as any;
        expect(played.spec.template.spec.hostAliases).to.deep.equal([{ ip: "10.89.0.1", hostnames: plan.hostnames }]);
    });

    it("changes nothing else in a Deployment but the ports podman would publish", () => {
        const played = structuredClone(plan.play.find((o) => o.metadata.name === "order-v1")) as any;
        delete played.spec.template.spec.hostAliases;
        const rendered = structuredClone(order) as any;
        delete rendered.spec.template.spec.containers[0].ports;
        expect(played).to.deep.equal(rendered);
        expect((order as any).spec.template.spec.hostAliases, "the rendered object is left alone").to.equal(undefined);
    });

    it("plays ConfigMaps and Deployments, keeps the Secret apart, and reads its DATABASE_URL", () => {
        expect(plan.play.map((o) => o.kind)).to.deep.equal(["ConfigMap", "Deployment", "Deployment"]);
        expect(plan.secrets).to.deep.equal([secret]);
        expect(plan.databaseUrl).to.equal("postgres://u:p@db.example.internal:5432/ecommerce");
    });

    it("resolves the probes' named ports from the rendered container", () => {
        const workload = plan.workloads.find((w) => w.name === "order-v1")!;
        expect(workload.probes).to.deep.equal([
            { kind: "startup", path: "/health/startup", port: 8080 },
            { kind: "readiness", path: "/health/ready", port: 8080 },
        ]);
        expect(workload).to.include({ service: "order", version: "v1", image: "localhost:5001/order:0.1.0", container: "order", servingPort: 8080 });
    });

    it("refuses a stack whose Secret has no DATABASE_URL, naming the key to set", () => {
        const empty = { ...secret, stringData: {} };
        expect(() => planContainers([empty, order], "10.89.0.1")).to.throw("Secret ecommerce-db has no usable DATABASE_URL: set database.url in Pulumi.local.yaml");
    });
});
