// Istio routing for one service, as plain data: the mesh VirtualService and the ingress
// VirtualService are both built from `httpRoutes`, so a canary weight holds at the edge too.
import { apiRoutes, atEdge, pathRegex, retrySafe, routeMethods, servingVersions, type ApiRoute } from "../../services/src/runtime/api-surface";
import { type ServiceConfig, type ServiceName, servicePort } from "../../stacks";
import { serviceHost } from "./labels";

export interface StringMatch { exact?: string; prefix?: string; regex?: string }
export interface HttpMatch { uri?: StringMatch; method?: StringMatch; headers?: Record<string, StringMatch> }
export interface RouteDestination { destination: { host: string; subset: string; port: { number: number } }; weight: number }
export interface HttpRetry { attempts: number; perTryTimeout?: string; retryOn?: string }
export interface HttpFault {
    delay?: { percentage: { value: number }; fixedDelay: string };
    abort?: { percentage: { value: number }; httpStatus: number };
}
export interface HttpRoute {
    name: string;
    match?: HttpMatch[];
    route: RouteDestination[];
    timeout: string;
    retries: HttpRetry;
    fault?: HttpFault;
    headers?: { request?: { remove: string[] }; response?: { set: Record<string, string> } };
}

const readMethods = "GET|HEAD|OPTIONS";

export interface RouteTarget {
    service: ServiceName;
    namespace: string;
    config: ServiceConfig;
}

/**
 * The ordered routes of a service. Order matters, since Istio takes the first match:
 * 1. routes only some versions serve (product ratings: v2), to those versions whatever the
 *    split or the canary header, so a weight never sends a request where it 404s,
 * 2. one route per version pinned by the canary header (`x-version: v2`),
 * 3. in the mesh only, the fault-injection route, for requests that opt in with the fault
 *    header, because Envoy ignores retries on a route that injects faults (the edge strips
 *    every fault header on every route instead, components/edgeGateway.ts),
 * 4. for services with a write that is not idempotent (api-surface `idempotent: false`),
 *    reads with the full retry policy,
 * 5. the default route with the weighted split; on those services it carries only the
 *    retry conditions that cannot replay a write that reached the app.
 * `edge` scopes every route to the service's edge operations (path and method) when built
 * for the gateway; a route none of them can reach is left out.
 */
export function httpRoutes({ service, namespace, config }: RouteTarget, edgeOperations?: HttpMatch[]): HttpRoute[] {
    const host = serviceHost(service, namespace);
    const surface = apiRoutes.filter((route) => route.service === service && (!edgeOperations || atEdge(route)));
    const servedOnly = servedOnlyGroups(surface, config);
    // An edge operation that is exactly one served-only route is taken by that route already.
    const taken = new Set(servedOnly.flatMap((group) => group.routes.map((route) => JSON.stringify(routeMatch(route)))));
    const edge = edgeOperations?.filter((match) => !taken.has(JSON.stringify(match)));
    const scope = (match: HttpMatch = {}): HttpMatch[] => (edge ? edge.filter((e) => methodsWithin(e.method, match.method)).map((e) => ({ ...match, ...e })) : [match]);
    const to = (subset: string, weight: number): RouteDestination => ({ destination: { host, subset, port: { number: servicePort } }, weight });
    const split = weightedSplit(config).map(({ subset, weight }) => to(subset, weight));
    const idempotent = apiRoutes.filter((route) => route.service === service).every(retrySafe);
    const { attempts, perTryTimeout, retryOn, writeRetryOn } = config.retries;
    const retries = (on: string): HttpRetry => (attempts === 0 ? { attempts: 0 } : { attempts, perTryTimeout, retryOn: on });
    const defaultRetries = retries(idempotent ? retryOn : writeRetryOn);
    const timeout = config.timeout;
    const routes: HttpRoute[] = [];

    for (const group of servedOnly) {
        routes.push({
            name: `${service}-${group.versions.join("-")}-only${group.safe ? "" : "-writes"}`,
            match: group.routes.map(routeMatch),
            route: group.weights.map(({ subset, weight }) => to(subset, weight)),
            timeout,
            retries: retries(group.safe ? retryOn : writeRetryOn),
        });
    }
    if (config.canary) {
        for (const version of config.versions) {
            routes.push({
                name: `${service}-${version}-pinned`,
                match: scope({ headers: { [config.canary.header]: { exact: version } } }),
                route: [to(version, 100)],
                timeout,
                retries: defaultRetries,
            });
        }
    }
    // Faults apply to mesh callers only: at the edge anyone could send the header (a delay on
    // demand), so the gateway has no fault route and removes the header from every route.
    if (config.faults && !edgeOperations) {
        routes.push({
            name: `${service}-fault-injection`,
            match: scope({ headers: { [config.faults.header]: { exact: "true" } } }),
            route: split,
            timeout,
            retries: { attempts: 0 },
            fault: faultOf(config.faults),
        });
    }
    if (!idempotent) {
        routes.push({ name: `${service}-reads`, match: scope({ method: { regex: readMethods } }), route: split, timeout, retries: retries(retryOn) });
    }
    // At the edge, the default route of such a service keeps only the matches its reads route does not take.
    const defaultMatch = () => scope().filter((match) => idempotent || !methodsWithin(match.method, { regex: readMethods }));
    routes.push({ name: `${service}-default`, ...(edge ? { match: defaultMatch() } : {}), route: split, timeout, retries: defaultRetries });
    // An empty match list would match everything: drop the routes the edge cannot reach instead.
    return routes.filter((route) => !route.match || route.match.length > 0);
}

/** Istio's match for one API route: its whole path and its methods (GET admits HEAD). */
export function routeMatch(route: ApiRoute): HttpMatch {
    const methods = routeMethods(route);
    return { uri: { regex: pathRegex(route) }, method: methods.length > 1 ? { regex: methods.join("|") } : { exact: methods[0] } };
}

/**
 * The service's routes that not every deployed version serves, grouped by the versions that do
 * and by retry safety, with the split's weights moved onto those versions (all to the first
 * one when the split gives them none). A route no deployed version serves is left to 404.
 */
function servedOnlyGroups(surface: readonly ApiRoute[], config: ServiceConfig) {
    const groups = new Map<string, { versions: string[]; safe: boolean; routes: ApiRoute[]; weights: { subset: string; weight: number }[] }>();
    for (const route of surface) {
        const versions = servingVersions(route, config.versions);
        if (versions.length === 0 || versions.length === config.versions.length) continue;
        const key = `${versions.join(",")}|${retrySafe(route)}`;
        if (!groups.has(key)) groups.set(key, { versions, safe: retrySafe(route), routes: [], weights: weightsOnto(versions, weightedSplit(config)) });
        groups.get(key)!.routes.push(route);
    }
    return [...groups.values()];
}

/** The split's weights restricted to `versions`, scaled back to 100 (the remainder to the first). */
function weightsOnto(versions: string[], split: { subset: string; weight: number }[]): { subset: string; weight: number }[] {
    const kept = versions.map((subset) => ({ subset, weight: split.find((s) => s.subset === subset)?.weight ?? 0 }));
    const total = kept.reduce((sum, s) => sum + s.weight, 0);
    if (total === 0) return [{ subset: versions[0], weight: 100 }];
    const scaled = kept.map((s) => ({ subset: s.subset, weight: Math.floor((s.weight * 100) / total) })).filter((s) => s.weight > 0);
    scaled[0].weight += 100 - scaled.reduce((sum, s) => sum + s.weight, 0);
    return scaled;
}

/** Whether every method `narrow` matches is also matched by `broad` (both exact or `A|B` regexes). */
function methodsWithin(narrow: StringMatch | undefined, broad: StringMatch | undefined): boolean {
    const methods = (match: StringMatch) => (match.exact ? [match.exact] : (match.regex ?? "").split("|"));
    if (!broad) return true;
    if (!narrow) return false;
    return methods(narrow).every((method) => methods(broad).includes(method));
}

/** Weight per subset: the canary gets `canary.weight`, the stable version the rest. */
export function weightedSplit(config: ServiceConfig): { subset: string; weight: number }[] {
    if (!config.canary) {
        return [{ subset: config.versions[0], weight: 100 }];
    }
    const { stable, canary, weight } = config.canary;
    return [
        { subset: stable, weight: 100 - weight },
        { subset: canary, weight },
    ];
}

function faultOf(faults: NonNullable<ServiceConfig["faults"]>): HttpFault {
    return {
        ...(faults.delay ? { delay: { percentage: { value: faults.delay.percentage }, fixedDelay: faults.delay.fixedDelay } } : {}),
        ...(faults.abort ? { abort: { percentage: { value: faults.abort.percentage }, httpStatus: faults.abort.httpStatus } } : {}),
    };
}

/** DestinationRule spec: a subset per version, mTLS to the sidecar, pool and outlier detection. */
export function destinationRuleSpec({ service, namespace, config }: RouteTarget) {
    const { tcp, http } = config.connectionPool;
    return {
        host: serviceHost(service, namespace),
        trafficPolicy: {
            tls: { mode: "ISTIO_MUTUAL" },
            loadBalancer: { simple: config.loadBalancer },
            connectionPool: {
                tcp: { maxConnections: tcp.maxConnections, connectTimeout: tcp.connectTimeout },
                http: {
                    http1MaxPendingRequests: http.http1MaxPendingRequests,
                    http2MaxRequests: http.http2MaxRequests,
                    ...(http.maxRequestsPerConnection > 0 ? { maxRequestsPerConnection: http.maxRequestsPerConnection } : {}),
                },
            },
            outlierDetection: { ...config.outlierDetection },
        },
        subsets: config.versions.map((version) => ({ name: version, labels: { version } })),
    };
}
