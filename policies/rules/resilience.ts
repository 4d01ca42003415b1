// Resilience semantics: retries that fit their timeout, no retries where they cannot act or would
// repeat a payment, outlier detection that never empties a pool, no deprecated Istio fields, and
// no fault injection in production.

import { durationMs, formatMs } from "../lib/duration";
import { asArray, asObject, asString, type K8sObject, type Plain, ref, resolveHost } from "../lib/k8s";
import { httpRoutes, meshIndex } from "../lib/meshIndex";
import { report } from "../lib/report";
import type { StackPolicy } from "../lib/types";

export const retryBudgetFitsTimeout: StackPolicy = {
    name: "retry-budget-fits-timeout",
    description:
        "Retries fit in the route timeout: Envoy makes attempts + 1 tries (the first try, then `attempts` retries), each up to perTryTimeout, and the route timeout ends them all, so (attempts + 1) × perTryTimeout ≤ timeout. This is stricter than attempts × perTryTimeout ≤ timeout, which forgets the first try and lets the route timeout cut the last retry short. Equivalent: no istioctl analyze check; Istio's retry docs.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        for (const { vs, route, name } of index.virtualServiceRoutes()) {
            const retries = asObject(route.retries);
            const attempts = typeof retries.attempts === "number" ? retries.attempts : 0;
            const perTry = durationMs(retries.perTryTimeout);
            const timeout = durationMs(route.timeout);
            if (attempts <= 0 || perTry === undefined || timeout === undefined || timeout === 0) {
                continue;
            }
            const needed = (attempts + 1) * perTry;
            if (needed > timeout) {
                const fittingPerTry = Math.floor(timeout / (attempts + 1));
                report(reportViolation, {
                    urn: vs.urn,
                    message: `${ref(vs)}: route "${name}" allows ${attempts + 1} tries × ${formatMs(perTry)} = ${formatMs(needed)}, more than its ${formatMs(timeout)} timeout, so the last retries are cut off`,
                    fix: `Raise timeout to at least ${formatMs(needed)}, lower perTryTimeout to ${formatMs(fittingPerTry)}, or use ${Math.max(0, Math.floor(timeout / perTry) - 1)} attempts.`,
                });
            }
        }
    },
};

export const noRetriesWithFaults: StackPolicy = {
    name: "no-retries-with-fault-injection",
    description:
        "A route that injects faults has retries off (attempts: 0): Istio does not enable timeouts or retries on a route with client-side fault injection, so configured retries are silently ignored and hide what the test measures. Equivalent: Istio HTTPRoute.fault documentation; no istioctl analyze check.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        for (const { vs, route, name } of index.virtualServiceRoutes()) {
            const attempts = asObject(route.retries).attempts;
            if (route.fault && attempts !== 0) {
                report(reportViolation, {
                    urn: vs.urn,
                    message: `${ref(vs)}: route "${name}" injects faults but ${route.retries ? `asks for ${attempts} retries` : "leaves Istio's default retries (2 attempts) in place"}`,
                    fix: `Set retries: { attempts: 0 } on "${name}".`,
                });
            }
        }
    },
};

/** Retry conditions that fire only when the request never reached the app, so a replay cannot act twice. */
export const safeWriteRetryConditions = ["connect-failure", "refused-stream", "reset-before-request", "envoy-ratelimited", "http3-post-connect-failure"];
/** Istio's retry policy when a route sets none (attempts 2), and retryOn when `retries` omits it. */
const istioDefaultRetryOn = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

function fullRegex(pattern: string): RegExp | undefined {
    try {
        return new RegExp(`^(?:${pattern})$`);
    } catch {
        return undefined;
    }
}

/** Whether an HTTP route can match a request with method `method`. */
export function routeCanMatchMethod(route: Plain, method: string): boolean {
    const matches = asArray(route.match).map(asObject);
    if (matches.length === 0) {
        return true;
    }
    return matches.some((match) => {
        const condition = match.method;
        if (condition === undefined) {
            return true;
        }
        const { exact, prefix, regex } = asObject(condition);
        if (typeof exact === "string") {
            return exact === method;
        }
        if (typeof prefix === "string") {
            return method.startsWith(prefix);
        }
        if (typeof regex === "string") {
            return fullRegex(regex)?.test(method) ?? true;
        }
        return true;
    });
}

export const noUnsafeWriteRetries: StackPolicy = {
    name: "no-unsafe-retry-on-non-idempotent",
    description:
        "Routes that can match POST to a service whose writes are not idempotent (orders, payments) retry only failures where the request never reached the app (connect-failure, refused-stream, reset-before-request, envoy-ratelimited, http3-post-connect-failure). 5xx, gateway-error, reset, retriable-4xx, retriable-status-codes, retriable-headers, gRPC statuses or bare status codes would replay an order or a charge; a route with no retries block gets Istio's default (which includes retriable-status-codes 503). Checked on mesh and gateway VirtualServices. Equivalent: no istioctl/Kyverno check; Envoy router retry semantics.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: {
        properties: {
            nonIdempotentServices: {
                type: "array",
                items: { type: "string" },
                default: ["product", "cart", "order", "payment", "user"],
                description: "Services whose writes must not be replayed: Service names (matched in any namespace) or FQDNs. Mirrors the services with a write marked idempotent: false in the API surface (services/src/runtime/api-surface.ts).",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const { nonIdempotentServices = ["product", "cart", "order", "payment", "user"] } = args.getConfig<{ nonIdempotentServices?: string[] }>();
        const index = meshIndex(args.resources);
        const isProtected = (fqdn: string) => nonIdempotentServices.some((entry) => (entry.includes(".") ? entry === fqdn : fqdn.split(".")[0] === entry));
        for (const { vs, route, name } of index.virtualServiceRoutes()) {
            const targets = [...new Set(asArray(route.route).map((d) => resolveHost(String(asObject(asObject(d).destination).host ?? ""), vs.namespace)))].filter(isProtected);
            if (targets.length === 0 || !routeCanMatchMethod(route, "POST")) {
                continue;
            }
            const retries = route.retries === undefined ? undefined : asObject(route.retries);
            if (retries && retries.attempts === 0) {
                continue;
            }
            const retryOn = retries ? (asString(retries.retryOn) ?? istioDefaultRetryOn) : istioDefaultRetryOn;
            const unsafe = retryOn.split(",").map((c) => c.trim()).filter((c) => c && !safeWriteRetryConditions.includes(c));
            if (unsafe.length) {
                const origin = retries === undefined ? "no retries block, so Istio's default policy" : retries.retryOn === undefined ? "retries without retryOn, so Istio's default conditions" : `retryOn "${retryOn}"`;
                report(reportViolation, {
                    urn: vs.urn,
                    message: `${ref(vs)}: route "${name}" can match POST to ${targets.join(", ")} (non-idempotent writes) and has ${origin} retrying on ${unsafe.join(", ")}: a retried POST can place an order or charge twice`,
                    fix: `Retry writes only on connect-failure,refused-stream (stack config services.<svc>.retries.writeRetryOn), or restrict this route to GET|HEAD|OPTIONS.`,
                });
            }
        }
    },
};

/**
 * Hosts Envoy may eject from a pool of `replicas` with `maxEjectionPercent`. Envoy releases differ:
 * before envoy#27624 it ejected while the ejected share was below the limit (up to ceil(r·p/100));
 * 2023 releases allowed floor(r·p/100) but always at least one; since envoy#27909 it is
 * floor(r·p/100) unless always_eject_one_host is set. The rule takes the largest of these.
 */
export function maxEjectedHosts(replicas: number, maxEjectionPercent: number): number {
    if (maxEjectionPercent <= 0 || replicas <= 0) {
        return 0;
    }
    return Math.min(replicas, Math.max(1, Math.ceil((replicas * maxEjectionPercent) / 100)));
}

export const outlierDetectionSafe: StackPolicy = {
    name: "outlier-detection-safe-ejection",
    description:
        "Every service that runs two or more pods has outlier detection in its DestinationRule, and its maxEjectionPercent can never eject the last healthy pod of a subset (Istio makes one Envoy pool per subset). With r pods and p percent the rule assumes up to max(1, ceil(r·p/100)) ejections, the most any Envoy release allows (current Envoy allows floor(r·p/100); older ones at least one), so it needs that number < r, or minHealthPercent > 0 so that Envoy's panic threshold routes to every pod once none is healthy. Pods counted at their minimum (HPA minReplicas, else spec.replicas). Equivalent: no istioctl analyze check; Istio OutlierDetection and Envoy outlier-detection docs.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        for (const service of index.kind("Service").filter((s) => !s.read)) {
            const fqdn = `${service.name}.${service.namespace}.svc.cluster.local`;
            const rules = index.destinationRulesFor(fqdn);
            const total = index.workloadsOfService(service).reduce((sum, w) => sum + w.minReplicas, 0);
            const top = rules.map((rule) => ({ rule, outlier: asObject(rule.spec.trafficPolicy).outlierDetection as Plain | undefined })).find((entry) => entry.outlier);
            if (total >= 2 && !top && !rules.some((rule) => asArray(rule.spec.subsets).some((s) => asObject(asObject(s).trafficPolicy).outlierDetection))) {
                report(reportViolation, {
                    urn: rules[0]?.urn ?? service.urn,
                    message: `${rules[0] ? ref(rules[0]) : ref(service)}: ${total} pods serve ${fqdn} but no outlier detection ejects a failing one, so it keeps getting its share of requests`,
                    fix: `Add trafficPolicy.outlierDetection (consecutive5xxErrors, interval, baseEjectionTime, maxEjectionPercent ≤ 50, minHealthPercent) to the DestinationRule of ${fqdn}.`,
                });
                continue;
            }
            for (const rule of rules) {
                const pools: { name: string; replicas: number; outlier?: Plain }[] = [];
                const topOutlier = asObject(rule.spec.trafficPolicy).outlierDetection as Plain | undefined;
                const subsets = asArray(rule.spec.subsets).map(asObject);
                pools.push({ name: "(all pods)", replicas: total, ...(topOutlier ? { outlier: asObject(topOutlier) } : {}) });
                for (const subset of subsets) {
                    const own = asObject(subset.trafficPolicy).outlierDetection as Plain | undefined;
                    const replicas = index.workloadsOfSubset(service, asObject(subset.labels)).reduce((sum, w) => sum + w.minReplicas, 0);
                    const outlier = own ?? topOutlier;
                    pools.push({ name: `subset ${subset.name}`, replicas, ...(outlier ? { outlier: asObject(outlier) } : {}) });
                }
                for (const pool of pools) {
                    if (!pool.outlier || pool.replicas === 0) {
                        continue;
                    }
                    const percent = typeof pool.outlier.maxEjectionPercent === "number" ? pool.outlier.maxEjectionPercent : 10;
                    const minHealth = typeof pool.outlier.minHealthPercent === "number" ? pool.outlier.minHealthPercent : 0;
                    const ejectable = maxEjectedHosts(pool.replicas, percent);
                    if (ejectable >= pool.replicas && minHealth <= 0) {
                        report(reportViolation, {
                            urn: rule.urn,
                            message: `${ref(rule)}: ${pool.name} has ${pool.replicas} pod(s) and maxEjectionPercent ${percent}, so Envoy may eject ${ejectable} of ${pool.replicas} (every pod) and, with minHealthPercent 0 (panic routing off), return 503 for the whole pool`,
                            fix: `Set outlierDetection.minHealthPercent > 0 (e.g. 50) so Envoy falls back to all pods, or lower maxEjectionPercent below ${Math.floor((100 * (pool.replicas - 1)) / pool.replicas) || 0}% and run more replicas.`,
                        });
                    }
                }
            }
        }
    },
};

/** Fields Istio's API marks deprecated, with their replacement. */
function deprecatedFields(object: K8sObject): { path: string; replacement: string; removed?: boolean }[] {
    const found: { path: string; replacement: string; removed?: boolean }[] = [];
    if (object.kind === "VirtualService") {
        httpRoutes(object).forEach(({ route, name }) => {
            const fault = asObject(route.fault);
            if (asObject(fault.delay).percent !== undefined) {
                found.push({ path: `http "${name}" fault.delay.percent`, replacement: "fault.delay.percentage.value" });
            }
            if (asObject(fault.abort).percent !== undefined) {
                found.push({ path: `http "${name}" fault.abort.percent`, replacement: "fault.abort.percentage.value", removed: true });
            }
            if (route.mirrorPercent !== undefined || route.mirror_percent !== undefined) {
                found.push({ path: `http "${name}" mirrorPercent`, replacement: "mirrorPercentage.value" });
            }
            if (asObject(route.corsPolicy).allowOrigin !== undefined) {
                found.push({ path: `http "${name}" corsPolicy.allowOrigin`, replacement: "corsPolicy.allowOrigins" });
            }
        });
    }
    if (object.kind === "DestinationRule") {
        const visit = (policy: unknown, where: string) => {
            const trafficPolicy = asObject(policy);
            if (asObject(trafficPolicy.outlierDetection).consecutiveErrors !== undefined) {
                found.push({ path: `${where}.outlierDetection.consecutiveErrors`, replacement: "consecutive5xxErrors (or consecutiveGatewayErrors)" });
            }
            const loadBalancer = asObject(trafficPolicy.loadBalancer);
            if (loadBalancer.simple === "LEAST_CONN") {
                found.push({ path: `${where}.loadBalancer.simple LEAST_CONN`, replacement: "LEAST_REQUEST" });
            }
            if (asObject(loadBalancer.consistentHash).minimumRingSize !== undefined) {
                found.push({ path: `${where}.loadBalancer.consistentHash.minimumRingSize`, replacement: "consistentHash.ringHash.minimumRingSize" });
            }
            if (loadBalancer.warmupDurationSecs !== undefined) {
                found.push({ path: `${where}.loadBalancer.warmupDurationSecs`, replacement: "loadBalancer.warmup.duration" });
            }
            asArray(trafficPolicy.portLevelSettings).forEach((setting, i) => visit(setting, `${where}.portLevelSettings[${i}]`));
        };
        visit(object.spec.trafficPolicy, "trafficPolicy");
        asArray(object.spec.subsets).forEach((subset) => visit(asObject(subset).trafficPolicy, `subset ${asObject(subset).name} trafficPolicy`));
    }
    return found;
}

export const noDeprecatedIstioFields: StackPolicy = {
    name: "istio-no-deprecated-fields",
    description:
        "No deprecated Istio fields: outlierDetection.consecutiveErrors (use consecutive5xxErrors), fault delay `percent` (use percentage.value; abort `percent` is removed altogether), mirrorPercent (use mirrorPercentage), corsPolicy.allowOrigin (use allowOrigins), loadBalancer LEAST_CONN (use LEAST_REQUEST), consistentHash.minimumRingSize (use ringHash.minimumRingSize), warmupDurationSecs (use warmup). ROUND_ROBIN stays valid. Equivalent: istioctl analyze IST0002 Deprecated.",
    enforcementLevel: "mandatory",
    severity: "low",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        for (const object of [...index.kind("VirtualService"), ...index.kind("DestinationRule")]) {
            for (const { path, replacement, removed } of deprecatedFields(object)) {
                report(reportViolation, {
                    urn: object.urn,
                    message: `${ref(object)}: ${path} ${removed ? "was removed from Istio's API (the CRD rejects it)" : "is deprecated in Istio and may stop working"}`,
                    fix: `Use ${replacement} instead.`,
                });
            }
        }
    },
};

export const noFaultInjection: StackPolicy = {
    name: "no-fault-injection",
    description:
        "No VirtualService route injects faults (delay or abort). Mandatory in prod, where a leftover chaos experiment delays or fails real customers; advisory elsewhere. Equivalent: none in istioctl/Kyverno/Gatekeeper; a production-readiness check.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        for (const { vs, route, name } of index.virtualServiceRoutes()) {
            if (route.fault) {
                const fault = asObject(route.fault);
                const what = [fault.delay ? `a ${asObject(fault.delay).fixedDelay ?? ""} delay` : "", fault.abort ? `an HTTP ${asObject(fault.abort).httpStatus ?? ""} abort` : ""].filter(Boolean).join(" and ");
                report(reportViolation, {
                    urn: vs.urn,
                    message: `${ref(vs)}: route "${name}" injects ${what || "a fault"}`,
                    fix: `Remove the fault (stack config: delete services.<svc>.faults) before this reaches production.`,
                });
            }
        }
    },
};

/** How long one try of a route may take: perTryTimeout when it retries, else the route timeout. */
function tryBudget(route: Plain): number | undefined {
    const retries = asObject(route.retries);
    const perTry = typeof retries.attempts === "number" && retries.attempts > 0 ? durationMs(retries.perTryTimeout) : undefined;
    return perTry ?? durationMs(route.timeout);
}

export const timeoutCoversDownstreamCalls: StackPolicy = {
    name: "timeout-covers-downstream-calls",
    description:
        "A service's own try budget (perTryTimeout, else its route timeout) is at least the route timeout of every service it calls (found from the <NAME>_URL env vars of its pods): otherwise the caller's proxy cuts the request while the callee's own retries are still running, the client gets a 504 and the work may still complete downstream (a retried order can be placed twice). Advisory: a design check of nested timeouts. Equivalent: none in istioctl/Kyverno/Gatekeeper; Envoy/Istio timeout and retry semantics.",
    enforcementLevel: "advisory",
    severity: "medium",
    validateStack: (args, reportViolation) => {
        const index = meshIndex(args.resources);
        const meshVs = (fqdn: string) => index.kind("VirtualService").find((vs) => index.gatewayRefs(vs).includes("mesh") && asArray<string>(vs.spec.hosts).some((h) => resolveHost(h, vs.namespace) === fqdn));
        const fqdnOf = (service: K8sObject) => `${service.name}.${service.namespace}.svc.cluster.local`;
        const reported = new Set<string>();
        for (const caller of index.kind("Service").filter((s) => !s.read)) {
            const callerVs = meshVs(fqdnOf(caller));
            if (!callerVs) {
                continue;
            }
            const budgets = httpRoutes(callerVs).map(({ route, name }) => ({ name, budget: tryBudget(route) })).filter((b): b is { name: string; budget: number } => b.budget !== undefined);
            if (budgets.length === 0) {
                continue;
            }
            // The tightest try budget; on a tie the later route (the default one that takes writes).
            const tightest = budgets.reduce((a, b) => (b.budget <= a.budget ? b : a));
            const callees = new Set<string>();
            for (const { pod, object } of index.workloadsOfService(caller)) {
                for (const c of asArray(pod.spec.containers).map(asObject)) {
                    for (const env of asArray(c.env).map(asObject)) {
                        const match = typeof env.value === "string" ? /^https?:\/\/([^/:]+)/.exec(env.value) : null;
                        const callee = match ? index.service(match[1], object.namespace) : undefined;
                        if (callee && callee !== caller) {
                            callees.add(fqdnOf(callee));
                        }
                    }
                }
            }
            for (const callee of [...callees].sort()) {
                const calleeVs = meshVs(callee);
                const calleeTimeouts = calleeVs ? httpRoutes(calleeVs).map(({ route }) => durationMs(route.timeout)).filter((t): t is number => t !== undefined) : [];
                if (calleeTimeouts.length === 0) {
                    continue;
                }
                const calleeBudget = Math.max(...calleeTimeouts);
                const key = `${caller.urn}|${callee}`;
                if (tightest.budget < calleeBudget && !reported.has(key)) {
                    reported.add(key);
                    report(reportViolation, {
                        urn: callerVs.urn,
                        message: `${ref(callerVs)}: a try of route "${tightest.name}" is cut after ${formatMs(tightest.budget)}, but ${caller.name} calls ${callee}, whose route allows up to ${formatMs(calleeBudget)} (its own retries included); the caller gives up first`,
                        fix: `Give ${caller.name} a perTryTimeout (and timeout) of at least ${formatMs(calleeBudget)}, or shrink ${callee.split(".")[0]}'s timeout/retries to fit inside ${formatMs(tightest.budget)}.`,
                    });
                }
            }
        }
    },
};

export const resiliencePolicies = [retryBudgetFitsTimeout, timeoutCoversDownstreamCalls, noRetriesWithFaults, noUnsafeWriteRetries, outlierDetectionSafe, noDeprecatedIstioFields, noFaultInjection];
