import { expect } from "chai";
import { parseImage } from "../../policies/rules/workloads";
import type { CapturedResource } from "../../tools/capture/capture";
import { capture, find, summary, violationsOf, withoutResource } from "./support";

/** The app container of a captured Deployment. */
const container = (resources: CapturedResource[], name: string) => find(resources, "Deployment", name).inputs.spec.template.spec.containers[0];

describe("policies: workloads", () => {
    let prod: CapturedResource[];
    beforeEach(async () => {
        prod = await capture("prod");
    });

    describe("pod-probes", () => {
        it("passes: every container has distinct liveness and readiness probes", () => {
            expect(violationsOf("pod-probes", prod)).to.deep.equal([]);
        });

        it("flags a missing readiness probe and an identical liveness/readiness pair", () => {
            delete container(prod, "cart-v1").readinessProbe;
            const user = container(prod, "user-v1");
            user.readinessProbe = structuredClone(user.livenessProbe);
            expect(summary(violationsOf("pod-probes", prod))).to.deep.equal([
                'cart-v1: Deployment ecommerce/cart-v1: container "cart" has no readinessProbe',
                'user-v1: Deployment ecommerce/user-v1: container "user" uses the same liveness and readiness probe, so a pod that is only overloaded gets restarted',
            ]);
        });
    });

    describe("pod-resources", () => {
        it("passes: requests and limits for cpu and memory everywhere", () => {
            expect(violationsOf("pod-resources", prod)).to.deep.equal([]);
        });

        it("flags a container without a memory limit", () => {
            delete container(prod, "order-v1").resources.limits.memory;
            expect(summary(violationsOf("pod-resources", prod))).to.deep.equal(['order-v1: Deployment ecommerce/order-v1: container "order" sets no limits.memory']);
        });
    });

    describe("image-pinned-tag", () => {
        it("parses registry, repository, tag and digest", () => {
            expect(parseImage("ecommercemeshprod.azurecr.io/order:0.1.0")).to.deep.equal({ registry: "ecommercemeshprod.azurecr.io", repository: "order", tag: "0.1.0" });
            expect(parseImage("localhost:5001/cart")).to.deep.equal({ registry: "localhost:5001", repository: "cart" });
            expect(parseImage("nginx")).to.deep.equal({ repository: "nginx" });
            expect(parseImage(`acr.azurecr.io/x:1@sha256:${"0".repeat(64)}`).digest).to.equal(`sha256:${"0".repeat(64)}`);
        });

        it("passes the shipped 0.1.0 tag", () => {
            expect(violationsOf("image-pinned-tag", prod)).to.deep.equal([]);
        });

        it("blocks a latest image in prod; the stack config already rejects images.tag=latest", async () => {
            let configError: Error | undefined;
            await capture("prod", "images.tag=latest").catch((error: Error) => (configError = error));
            expect(configError?.message).to.contain('ecommerce-mesh:images.tag: "latest" is not allowed');

            container(prod, "payment-v1").image = "ecommercemeshprod.azurecr.io/payment:latest";
            container(prod, "user-v1").image = "ecommercemeshprod.azurecr.io/user";
            const found = violationsOf("image-pinned-tag", prod);
            expect(found.map((v) => [v.resource?.name, v.enforcementLevel])).to.deep.equal([
                ["payment-v1", "mandatory"],
                ["user-v1", "mandatory"],
            ]);
            expect(found[0].message).to.equal('Deployment ecommerce/payment-v1: container "payment" runs image "ecommercemeshprod.azurecr.io/payment:latest", tagged latest (not pinned)');
        });

        it("accepts a digest-pinned reference without a tag", () => {
            container(prod, "payment-v1").image = `ecommercemeshprod.azurecr.io/payment@sha256:${"a".repeat(64)}`;
            expect(violationsOf("image-pinned-tag", prod)).to.deep.equal([]);
        });
    });

    describe("image-pinned-by-digest", () => {
        it("passes prod, whose images the program builds and pins by digest (images.build)", () => {
            expect(container(prod, "order-v1").image).to.match(/@sha256:[0-9a-f]{64}$/);
            expect(violationsOf("image-pinned-by-digest", prod)).to.deep.equal([]);
        });

        it("blocks a tag alone in prod (it can be pushed again, or not yet exist), naming the fix", async () => {
            const tagged = await capture("prod", "images.build=false");
            const found = violationsOf("image-pinned-by-digest", tagged);
            expect(found.length).to.be.greaterThan(8);
            expect(found.every((v) => v.enforcementLevel === "mandatory")).to.equal(true);
            expect(found.find((v) => v.resource?.name === "order-v1")?.message).to.equal('Deployment ecommerce/order-v1: container "order" runs image "ecommercemeshprod.azurecr.io/order:0.1.0", not pinned by digest');
        });
    });

    describe("image-allowed-registry", () => {
        it("passes prod and dev (their own ACR) and local (localhost:5001 from config/local.json)", async () => {
            expect(violationsOf("image-allowed-registry", prod)).to.deep.equal([]);
            expect(violationsOf("image-allowed-registry", await capture("dev"), "dev")).to.deep.equal([]);
            expect(violationsOf("image-allowed-registry", await capture("local"), "local")).to.deep.equal([]);
        });

        it("flags an image from Docker Hub and one from another stack's ACR", () => {
            container(prod, "cart-v1").image = "library/cart:1.0";
            container(prod, "user-v1").image = "ecommercemeshdev.azurecr.io/user:0.1.0";
            expect(summary(violationsOf("image-allowed-registry", prod))).to.deep.equal([
                'cart-v1: Deployment ecommerce/cart-v1: container "cart" pulls "library/cart:1.0" from Docker Hub, which is not an allowed registry (ecommercemeshprod.azurecr.io)',
                'user-v1: Deployment ecommerce/user-v1: container "user" pulls "ecommercemeshdev.azurecr.io/user:0.1.0" from ecommercemeshdev.azurecr.io, which is not an allowed registry (ecommercemeshprod.azurecr.io)',
            ]);
        });
    });

    describe("pod-security-context", () => {
        it("passes the restricted context the program sets (UID 10001, read-only root, drop ALL, RuntimeDefault)", () => {
            expect(violationsOf("pod-security-context", prod)).to.deep.equal([]);
        });

        it("flags UID 1337 (Istio's proxy UID) and a writable root filesystem with privilege escalation", () => {
            const c = container(prod, "inventory-v1");
            c.securityContext.runAsUser = 1337;
            c.securityContext.readOnlyRootFilesystem = false;
            delete c.securityContext.allowPrivilegeEscalation;
            const found = violationsOf("pod-security-context", prod);
            expect(found).to.have.length(1);
            expect(found[0].message).to.equal(
                'Deployment ecommerce/inventory-v1: container "inventory": runAsUser is 1337, Istio\'s proxy UID (its traffic bypasses the sidecar); readOnlyRootFilesystem is not true; allowPrivilegeEscalation is not false',
            );
        });

        it("flags a pod without seccomp and capabilities dropped", () => {
            const pod = find(prod, "Deployment", "shipping-v1").inputs.spec.template.spec;
            delete pod.securityContext.seccompProfile;
            delete pod.containers[0].securityContext.capabilities;
            expect(violationsOf("pod-security-context", prod)[0].message).to.contain("capabilities.drop does not include ALL; seccompProfile is unset");
        });
    });

    describe("pod-host-isolation", () => {
        it("passes: no host namespaces, paths or ports", () => {
            expect(violationsOf("pod-host-isolation", prod)).to.deep.equal([]);
        });

        it("flags hostNetwork, a hostPath volume and a hostPort", () => {
            const pod = find(prod, "Deployment", "notification-v1").inputs.spec.template.spec;
            pod.hostNetwork = true;
            pod.volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } });
            pod.containers[0].ports[0].hostPort = 8080;
            expect(summary(violationsOf("pod-host-isolation", prod))).to.deep.equal([
                'notification-v1: Deployment ecommerce/notification-v1: pod uses the host: hostNetwork: true; hostPath volume "docker" (/var/run/docker.sock); container "notification" hostPort 8080',
            ]);
        });
    });

    describe("sidecar-injection-enabled", () => {
        it("passes: namespace ecommerce is labelled istio-injection=enabled", () => {
            expect(violationsOf("sidecar-injection-enabled", prod)).to.deep.equal([]);
        });

        it("flags an unlabelled namespace and a pod template that opts out", () => {
            delete find(prod, "Namespace", "ecommerce").inputs.metadata.labels["istio-injection"];
            find(prod, "Deployment", "cart-v1").inputs.spec.template.metadata.annotations = { "sidecar.istio.io/inject": "false" };
            expect(summary(violationsOf("sidecar-injection-enabled", prod))).to.deep.equal([
                "ecommerce: Namespace ecommerce: runs workloads but is not labelled for sidecar injection (istio-injection=<unset>)",
                'cart-v1: Deployment ecommerce/cart-v1: pod template sets sidecar.istio.io/inject: "false", so its pods run outside the mesh',
            ]);
        });

        it("accepts a revision label instead of istio-injection", () => {
            const labels = find(prod, "Namespace", "ecommerce").inputs.metadata.labels;
            delete labels["istio-injection"];
            labels["istio.io/rev"] = "1-27";
            expect(violationsOf("sidecar-injection-enabled", prod)).to.deep.equal([]);
        });
    });

    describe("workload-high-availability", () => {
        it("passes prod: ≥2 replicas (or HPA minReplicas ≥2) and PDBs with maxUnavailable 1", () => {
            expect(violationsOf("workload-high-availability", prod)).to.deep.equal([]);
        });

        it("blocks a single-replica service and a PDB that allows no disruption in prod", async () => {
            const resources = await capture("prod", "services.notification.replicas=1");
            find(resources, "PodDisruptionBudget", "shipping-v1").inputs.spec = { minAvailable: 2, selector: { matchLabels: { app: "shipping", version: "v1" } } };
            const found = violationsOf("workload-high-availability", resources);
            expect(found.map((v) => [v.resource?.name, v.enforcementLevel])).to.deep.equal([
                ["shipping-v1", "mandatory"],
                ["notification-v1", "mandatory"],
            ]);
            expect(found[0].message).to.equal("PodDisruptionBudget ecommerce/shipping-v1: allows 0 disruption(s) for Deployment ecommerce/shipping-v1 at 2 pod(s), so node drains and cluster upgrades block");
            expect(found[1].message).to.contain("runs 1 pod(s), fewer than 2");
        });

        it("counts the HPA's minReplicas and flags a Deployment no PDB covers", () => {
            find(prod, "HorizontalPodAutoscaler", "order-v1").inputs.spec.minReplicas = 1;
            const found = violationsOf("workload-high-availability", withoutResource(prod, "PodDisruptionBudget", "user-v1"));
            expect(summary(found)).to.deep.equal([
                "order-v1: Deployment ecommerce/order-v1: runs 1 pod(s) (HPA order-v1 minReplicas), fewer than 2; one node failure or drain takes it down",
                "user-v1: Deployment ecommerce/user-v1: no PodDisruptionBudget selects its pods, so a drain may evict all of them at once",
            ]);
        });
    });

    describe("ingress-gateway-availability", () => {
        it("passes prod: 3 gateway replicas and a PodDisruptionBudget in the release values", () => {
            expect(find(prod, "Release", "istio-ingressgateway").inputs.values.podDisruptionBudget).to.deep.equal({ maxUnavailable: 1 });
            expect(violationsOf("ingress-gateway-availability", prod)).to.deep.equal([]);
        });

        it("blocks prod without a podDisruptionBudget; counts autoscaling.minReplicas when autoscaling is on", () => {
            const values = find(prod, "Release", "istio-ingressgateway").inputs.values;
            delete values.podDisruptionBudget;
            const found = violationsOf("ingress-gateway-availability", prod);
            expect(found.map((v) => v.enforcementLevel)).to.deep.equal(["mandatory"]);
            expect(summary(found)).to.deep.equal([
                "istio-ingressgateway: Helm release istio-ingress/istio-ingressgateway (Istio gateway): sets no podDisruptionBudget, so a drain may evict every gateway pod at once",
            ]);
            values.podDisruptionBudget = { maxUnavailable: 1 };
            values.autoscaling = { enabled: true };
            expect(violationsOf("ingress-gateway-availability", prod)[0].message).to.contain("runs 1 pod(s) (autoscaling.minReplicas), fewer than 2");
        });
    });

    describe("service-no-external-exposure", () => {
        it("passes: app Services are ClusterIP, the ingress gateway is exposed by its chart", () => {
            expect(violationsOf("service-no-external-exposure", prod)).to.deep.equal([]);
        });

        it("flags a LoadBalancer app Service but allows the listed ingress gateway", () => {
            find(prod, "core/v1:Service", "payment").inputs.spec.type = "LoadBalancer";
            const gateway = find(prod, "core/v1:Service", "ingress-gateway");
            gateway.inputs = { metadata: { name: "istio-ingressgateway", namespace: "istio-ingress" }, spec: { type: "LoadBalancer", ports: [{ name: "http2", port: 80 }] } };
            expect(summary(violationsOf("service-no-external-exposure", prod))).to.deep.equal([
                "payment: Service ecommerce/payment: is type LoadBalancer, exposing pods outside the mesh's ingress gateway",
            ]);
        });
    });

    describe("service-port-protocol", () => {
        it("passes: ports are named http with appProtocol http", () => {
            expect(violationsOf("service-port-protocol", prod)).to.deep.equal([]);
        });

        it("leaves the ingress gateway chart's Service (status-port) to Istio", () => {
            const gateway = find(prod, "core/v1:Service", "ingress-gateway");
            delete gateway.readId; // as the engine sees it: the live object, not a read marker
            gateway.inputs = { metadata: { name: "istio-ingressgateway", namespace: "istio-ingress" }, spec: { type: "LoadBalancer", ports: [{ name: "status-port", port: 15021 }, { name: "http2", port: 80 }] } };
            expect(violationsOf("service-port-protocol", prod)).to.deep.equal([]);
            expect(violationsOf("service-port-protocol", prod, { "service-port-protocol": { ignoreServices: [] } }).map((v) => v.message)).to.deep.equal([
                'Service istio-ingress/istio-ingressgateway: port 15021 is named "status-port" with no appProtocol, so Istio has to guess its protocol',
            ]);
        });

        it("flags a port named web without appProtocol, accepts http-api", () => {
            const ports = find(prod, "core/v1:Service", "cart").inputs.spec.ports;
            ports[0].name = "web";
            delete ports[0].appProtocol;
            ports.push({ name: "http-api", port: 81, targetPort: "http" });
            expect(summary(violationsOf("service-port-protocol", prod))).to.deep.equal([
                'cart: Service ecommerce/cart: port 80 is named "web" with no appProtocol, so Istio has to guess its protocol',
            ]);
        });
    });
});
