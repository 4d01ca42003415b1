import { expect } from "chai";
import { fromPulumiConfig, loadStackConfig, parseDuration } from "../../stacks";
import { type BadInput, itRejectsNamingTheKey, problemsFor, shippedStacks, stackConfig } from "../support/stacks";

describe("stack config", () => {
    for (const stack of shippedStacks) {
        it(`accepts the shipped Pulumi.${stack}.yaml`, () => {
            const config = loadStackConfig(fromPulumiConfig(stackConfig(stack).values));
            expect(config.environment).to.equal(stack);
            expect(Object.keys(config.services)).to.have.length(8);
        });
    }

    it("lays stack values over the reference defaults", () => {
        const config = loadStackConfig(fromPulumiConfig(stackConfig("prod").values));
        expect(config.services.order.timeout).to.equal("30s"); // set by Pulumi.prod.yaml
        expect(config.services.inventory.timeout).to.equal("8s"); // the default
        expect(config.services.payment.retries).to.deep.equal({ attempts: 2, perTryTimeout: "5s", retryOn: "5xx,reset,connect-failure", writeRetryOn: "connect-failure,refused-stream" });
        expect(config.services.product.canary).to.deep.equal({
            stable: "v1",
            canary: "v2",
            weight: 10,
            header: "x-version",
            steps: [10, 25, 50, 100],
            analysis: { interval: "1m", successRate: 99, maxP99: "500ms", minRequests: 100 },
        });
        expect(config.services.product.outlierDetection.consecutive5xxErrors).to.equal(5);
    });

    it("takes a `pulumi config set --path` style canary edit", () => {
        const config = loadStackConfig(fromPulumiConfig(stackConfig("prod", "services.product.canary.weight=25").values));
        expect(config.services.product.canary?.weight).to.equal(25);
    });

    it("removes a default with null", () => {
        const config = loadStackConfig(fromPulumiConfig(stackConfig("dev", "services.product.faults=null").values));
        expect(config.services.product.faults).to.equal(undefined);
    });

    // Each bad input must be rejected with a line that names the full key and says what is allowed.
    const badInputs: BadInput[] = [
        { set: ["environment=staging"], line: 'ecommerce-mesh:environment: "staging" is not one of local, dev, prod' },
        { set: ["services.product.canary.weight=110"], line: "ecommerce-mesh:services.product.canary.weight: 110 is not an integer from 0 to 100" },
        { set: ["services.product.canary.weight=-5"], line: "ecommerce-mesh:services.product.canary.weight: -5 is not an integer from 0 to 100" },
        { set: ["services.product.canary.weight=12.5"], line: 'ecommerce-mesh:services.product.canary.weight: "12.5" is not an integer from 0 to 100' },
        { set: ["services.product.canary.weight=ten"], line: 'ecommerce-mesh:services.product.canary.weight: "ten" is not an integer from 0 to 100' },
        { set: ["services.product.canary.steps=[10, 5]"], line: "ecommerce-mesh:services.product.canary.steps: [10,5] must rise step by step and end at 100" },
        { set: ["services.product.canary.steps=[10, 50]"], line: "ecommerce-mesh:services.product.canary.steps: [10,50] must rise step by step and end at 100" },
        { set: ["services.product.canary.analysis.successRate=120"], line: "ecommerce-mesh:services.product.canary.analysis.successRate: 120 is not a percentage from 0 to 100" },
        { set: ["services.product.canary.analysis.interval=soon"], line: 'ecommerce-mesh:services.product.canary.analysis.interval: "soon" is not an Istio duration such as 500ms, 2s or 1m' },
        { set: ["services.product.outlierDetection.consecutiveErrors=5"], line: /^ecommerce-mesh:services\.product\.outlierDetection\.consecutiveErrors: is not a known key; did you mean consecutive5xxErrors/ },
        { set: ["services.produkt.replicas=2"], line: /^ecommerce-mesh:services\.produkt: is not a known key; did you mean product\? Allowed here: product, cart/ },
        { set: ["services.product.timeout=5 seconds"], line: 'ecommerce-mesh:services.product.timeout: "5 seconds" is not an Istio duration such as 500ms, 2s or 1m' },
        { set: ["services.payment.timeout=2m"], line: 'ecommerce-mesh:services.payment.timeout: "2m" is longer than 60s, the longest a route may take (the services wait that long on a call, and no longer)' },
        { set: ["services.product.retries.perTryTimeout=2"], line: "ecommerce-mesh:services.product.retries.perTryTimeout: 2 is not an Istio duration such as 500ms, 2s or 1m" },
        { set: ["services.order.retries.retryOn=5xx,sometimes"], line: /^ecommerce-mesh:services\.order\.retries\.retryOn: "5xx,sometimes" is not a comma-separated list of retry conditions/ },
        { set: ["services.cart.replicas=0"], line: "ecommerce-mesh:services.cart.replicas: 0 is not an integer from 1 to 50" },
        { set: ["services.cart.loadBalancer=FASTEST"], line: 'ecommerce-mesh:services.cart.loadBalancer: "FASTEST" is not one of LEAST_REQUEST, ROUND_ROBIN, RANDOM, PASSTHROUGH' },
        { set: ["images.tag=latest"], line: 'ecommerce-mesh:images.tag: "latest" is not allowed: pin a tag such as a git SHA or a release number' },
        { set: ["mtls=DISABLE"], line: 'ecommerce-mesh:mtls: "DISABLE" is not one of STRICT, PERMISSIVE' },
        { set: ["registry.name=ecommerce-mesh"], line: /^ecommerce-mesh:registry\.name: "ecommerce-mesh" is not an ACR name/ },
        { set: ["cluster.provider=gke"], line: 'ecommerce-mesh:cluster.provider: "gke" is not one of aks, existing' },
        { set: ["cluster.kubernetesVersion=latest"], line: /^ecommerce-mesh:cluster\.kubernetesVersion: "latest" is not a pinned Kubernetes version/ },
        { set: ["services.product.canary.canary=v3"], line: 'ecommerce-mesh:services.product.canary.canary: "v3" is not one of this service\'s versions (v1, v2)' },
        { set: ["services.product.canary.stable=v2"], line: 'ecommerce-mesh:services.product.canary.canary: "v2" must differ from canary.stable' },
        { set: ["services.product.versions=[v1]"], line: /^ecommerce-mesh:services\.product\.canary\.canary: "v2" is not one of this service's versions \(v1\)/ },
        { set: ["services.cart.versions=[v1, v2]"], line: /^ecommerce-mesh:services\.cart\.canary: is required when a service runs 2 versions/ },
        { set: ["services.payment.faults={header: x-fault-inject, abort: {percentage: 10, httpStatus: 700}}"], line: "ecommerce-mesh:services.payment.faults.abort.httpStatus: 700 is not an integer from 200 to 599" },
        { set: ["services.payment.faults={header: x-fault-inject, delay: {percentage: 150, fixedDelay: 1s}}"], line: "ecommerce-mesh:services.payment.faults.delay.percentage: 150 is not a percentage from 0 to 100" },
        { set: ["services.payment.faults={header: x-fault-inject, delay: {percent: 10, fixedDelay: 1s}}"], line: /^ecommerce-mesh:services\.payment\.faults\.delay\.percent: is not a known key; did you mean percentage/ },
        { set: ["services.cart.faults={header: x-fault-inject}"], line: /^ecommerce-mesh:services\.cart\.faults: .* needs a delay or an abort/ },
        { set: ["services.cart.autoscaling={enabled: true, minReplicas: 5, maxReplicas: 3}"], line: "ecommerce-mesh:services.cart.autoscaling.minReplicas: 5 is more than autoscaling.maxReplicas (3)" },
        { set: ["cluster.userPool.minCount=20"], line: "ecommerce-mesh:cluster.userPool.minCount: 20 is more than cluster.userPool.maxCount (12)" },
        { set: ["istio.version=1.27"], line: 'ecommerce-mesh:istio.version: "1.27" is not a pinned Istio version such as 1.31.1' },
        { set: ["istio.revision=default"], line: 'ecommerce-mesh:istio.revision: "default" is reserved: "default" is the istiod without a revision (leave istio.revision unset for it)' },
        { set: ["istio.standbyRevisions={1-27-3: 1.27.3}"], line: 'ecommerce-mesh:istio.standbyRevisions.1-27-3: "1.27.3" is more than two minors from istio.version 1.31.1: Istio\'s revision upgrades span at most two minors, so move through one in between (README "Upgrade Istio")' },
        { set: ["istio.standbyRevisions={default: 1.30.5}"], line: 'ecommerce-mesh:istio.standbyRevisions.default: "1.30.5" needs istio.revision: without it the active istiod is the one without a revision (default)' },
        { set: ["istio.revision=1-31-1", "istio.standbyRevisions={1-31-1: 1.30.5}"], line: 'ecommerce-mesh:istio.standbyRevisions.1-31-1: "1.30.5" names the active revision (istio.revision 1-31-1): a standby is another control plane' },
        { set: ["istio.standbyRevisions={Canary_1: 1.30.5}"], line: 'ecommerce-mesh:istio.standbyRevisions.Canary_1: "Canary_1" is not an Istio revision name (a lowercase DNS label such as 1-30-5)' },
        { set: ["images.tag=20261121"], line: 'ecommerce-mesh:images.tag: 20261121 is not an image tag (letters, digits, \'_\', \'.\', \'-\') (quote it in YAML: "20261121")' },
        { set: ["istio.tracing.sampling=101"], line: "ecommerce-mesh:istio.tracing.sampling: 101 is not a percentage from 0 to 100" },
        { set: ["services.cart.resources.limits.memory=256MB"], line: 'ecommerce-mesh:services.cart.resources.limits.memory: "256MB" is not a memory quantity such as 256Mi or 1Gi' },
        { set: ["cluster.provider=existing"], line: "ecommerce-mesh:images.registry: is required when cluster.provider is existing: there is no ACR to default to" },
        { stack: "local", set: ["cluster.provider=aks"], line: /^ecommerce-mesh:registry\.name: is required when cluster\.provider is aks/ },
        { set: ["replicas=3"], line: /^ecommerce-mesh:replicas: is not a known key\. Allowed here: environment, namespace, cluster/ },
        { set: ["images.tag=null"], line: "ecommerce-mesh:images.tag: is required: set it to an image tag (letters, digits, '_', '.', '-')" },
    ];
    itRejectsNamingTheKey(badInputs);

    it("reports every problem at once, not only the first", () => {
        const problems = problemsFor("prod", "environment=qa", "mtls=OFF", "services.cart.replicas=0");
        expect(problems).to.have.length(3);
    });
});

describe("Istio durations", () => {
    const cases: [string, number | undefined][] = [
        ["500ms", 500], ["2s", 2000], ["1m", 60_000], ["1h30m", 5_400_000], ["1.5s", 1500],
        ["0s", undefined], ["2", undefined], ["2 s", undefined], ["-1s", undefined], ["", undefined],
    ];
    for (const [text, ms] of cases) {
        it(`reads ${JSON.stringify(text)} as ${ms ?? "invalid"}`, () => {
            expect(parseDuration(text)).to.equal(ms);
        });
    }
});
