// A weighted destination must serve the routes its match sends to it: a version that does not
// register a path answers 404 for the share the weight gives it (product ratings, v2 only).
// Which route a request takes follows Istio's first-match rule (../lib/routeMatch.ts).

import { asArray, asObject, asString, type Plain, ref, resolveHost } from "../lib/k8s";
import { meshIndex } from "../lib/meshIndex";
import { report } from "../lib/report";
import { routeTakes } from "../lib/routeMatch";
import type { StackPolicy } from "../lib/types";

interface ServedOnlyRoute {
    service: string;
    method: string;
    path: string;
    versions: string[];
}

/** The API surface's routes that only some versions serve (services/src/runtime/api-surface.ts); a test keeps them equal. */
export const defaultServedOnly: ServedOnlyRoute[] = [
    { service: "product", method: "GET", path: "/api/products/:id/ratings", versions: ["v2"] },
    { service: "product", method: "POST", path: "/api/products/:id/ratings", versions: ["v2"] },
];

/** Routes that may take the request for some header values: up to and including the first that takes it whatever the headers. */
function candidateRoutes(http: Plain[], method: string, path: string): Plain[] {
    const found: Plain[] = [];
    for (const route of http) {
        const matches = asArray(route.match);
        const withoutHeaders = { match: matches.map((m) => ({ ...asObject(m), headers: undefined })) };
        if (!routeTakes(withoutHeaders, { method, path })) continue;
        found.push(route);
        if (routeTakes(route, { method, path })) break;
    }
    return found;
}

export const edgeRoutesServed: StackPolicy = {
    name: "edge-routes-served",
    description:
        "Every weighted destination of a VirtualService (mesh or gateway) serves the API routes its match sends to it: a route only some versions serve (product ratings, v2) is never weighted onto a version without it, whatever the canary header, or that share of requests gets 404. Requests are matched as Istio does (first route whose match takes them, header routes included). Equivalent: none in istioctl analyze; Istio HTTPRoute match semantics.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: {
        properties: {
            servedOnly: { type: "array", default: defaultServedOnly, description: "Routes only some versions serve: service, method, path (`:param` segments), versions." },
        },
    },
    validateStack: (args, reportViolation) => {
        const { servedOnly = defaultServedOnly } = args.getConfig<{ servedOnly?: ServedOnlyRoute[] }>();
        const index = meshIndex(args.resources);
        for (const vs of index.kind("VirtualService")) {
            for (const served of servedOnly) {
                const path = served.path.replace(/:[A-Za-z]+/g, "1");
                for (const route of candidateRoutes(asArray<Plain>(vs.spec.http), served.method, path)) {
                    const destinations = asArray<Plain>(route.route).map(asObject);
                    for (const d of destinations) {
                        const host = resolveHost(asString(asObject(d.destination).host) ?? "", vs.namespace);
                        const subset = asString(asObject(d.destination).subset);
                        const weight = destinations.length === 1 ? 100 : Number(d.weight ?? 0);
                        if (host.split(".")[0] !== served.service || !subset || weight <= 0 || served.versions.includes(subset)) continue;
                        report(reportViolation, {
                            urn: vs.urn,
                            message: `${ref(vs)}: route "${asString(route.name) ?? "?"}" sends ${served.method} ${served.path} to subset ${subset} of ${host} (weight ${weight}), which does not serve it (only ${served.versions.join(", ")}): that share gets 404`,
                            fix: `Route ${served.method} ${served.path} to ${served.versions.join(", ")} in a route before this one (the program derives it from the API surface's versions).`,
                        });
                    }
                }
            }
        }
    },
};

export const routesServedPolicies = [edgeRoutesServed];
