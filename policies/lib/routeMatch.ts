// Istio's HTTP route matching as a pure function, so tests and policies ask "which route of this
// VirtualService takes this request" the way Envoy does. Istio docs (networking/v1 VirtualService,
// HTTPRoute.match): the first route with a matching HTTPMatchRequest wins; the conditions inside one
// match are ANDed, the matches of a route ORed; a route without match takes everything. StringMatch
// `regex` is RE2 and must match the whole value (Envoy's safe_regex; the path is matched without the
// query string), `prefix` and `exact` as named. A header condition fails when the header is absent.
import { asArray, asObject, asString, type Plain } from "./k8s";

export interface RouteRequest {
    readonly method: string;
    /** Path without the query string. */
    readonly path: string;
    /** Lower-case header names. */
    readonly headers?: Readonly<Record<string, string>>;
}

function stringMatches(condition: Plain, value: string | undefined): boolean {
    if (value === undefined) return false;
    if (asString(condition.exact) !== undefined) return value === condition.exact;
    if (asString(condition.prefix) !== undefined) return value.startsWith(condition.prefix);
    if (asString(condition.regex) !== undefined) return new RegExp(`^(?:${condition.regex})$`).test(value);
    return true;
}

/** Whether one HTTPMatchRequest takes the request (only uri, method and headers are modelled). */
export function matchTakes(match: unknown, request: RouteRequest): boolean {
    const m = asObject(match);
    if (m.uri && !stringMatches(asObject(m.uri), request.path)) return false;
    if (m.method && !stringMatches(asObject(m.method), request.method)) return false;
    return Object.entries(asObject(m.headers)).every(([name, condition]) => stringMatches(asObject(condition), request.headers?.[name.toLowerCase()]));
}

/** Whether an HTTPRoute takes the request: no match list, or any of its matches. */
export function routeTakes(route: unknown, request: RouteRequest): boolean {
    const matches = asArray(asObject(route).match);
    return matches.length === 0 || matches.some((match) => matchTakes(match, request));
}

/** The route of a VirtualService spec that Envoy picks for the request (the first that takes it), with its index. */
export function firstRoute(virtualServiceSpec: unknown, request: RouteRequest): { route: Plain; index: number } | undefined {
    const routes = asArray<Plain>(asObject(virtualServiceSpec).http);
    const index = routes.findIndex((route) => routeTakes(route, request));
    return index < 0 ? undefined : { route: routes[index], index };
}
