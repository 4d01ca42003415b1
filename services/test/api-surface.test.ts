// The API surface (src/runtime/api-surface.ts) is what the mesh admits: it must list exactly
// the routes the services register, or a route would be unreachable or unguarded.
import { expect } from "chai";
import Fastify from "fastify";
import { loadConfig, serviceNames, type ServiceName } from "../src/index";
import { apiRoutes, findRoute, operationPath, pathRegex } from "../src/runtime/api-surface";
import type { ServiceContext } from "../src/runtime/service-module";
import { serviceModules } from "../src/services";

/** "METHOD path" for every route the module registers for this version (HEAD is Fastify's own copy of GET). */
async function registeredRoutes(service: ServiceName, version: string): Promise<string[]> {
    const app = Fastify();
    const seen: string[] = [];
    app.addHook("onRoute", (route) => {
        for (const method of [route.method].flat()) if (method !== "HEAD") seen.push(`${method} ${route.url}`);
    });
    const config = loadConfig({ SERVICE_NAME: service, SERVICE_VERSION: version, DATABASE_URL: "postgres://u:p@127.0.0.1:1/db", ...downstreamUrls(service) });
    // Registration only wires handlers; nothing here is called until a request arrives.
    serviceModules[service].registerRoutes(app, { config } as ServiceContext);
    await app.ready();
    await app.close();
    return seen;
}

function downstreamUrls(service: ServiceName): Record<string, string> {
    return Object.fromEntries(serviceNames.filter((name) => name !== service).map((name) => [`${name.toUpperCase()}_URL`, "http://127.0.0.1:1"]));
}

describe("API surface", () => {
    for (const service of serviceNames) {
        for (const version of service === "product" ? ["v1", "v2"] : ["v1"]) {
            it(`lists exactly the routes ${service} ${version} registers`, async () => {
                const listed = apiRoutes
                    .filter((route) => route.service === service && (!route.versions || route.versions.includes(version)))
                    .map((route) => `${route.method} ${route.path}`);
                expect(await registeredRoutes(service, version)).to.have.members(listed);
            });
        }
    }

    it("names only real callers and never lets a service call itself", () => {
        for (const route of apiRoutes) {
            for (const caller of route.callers) {
                expect(serviceNames, `${route.method} ${route.path}`).to.include(caller);
                expect(caller, `${route.method} ${route.path}`).to.not.equal(route.service);
            }
        }
    });

    it("gives every internal route a caller (else nothing could reach it)", () => {
        for (const route of apiRoutes.filter((r) => r.class === "internal")) {
            expect(route.callers, `${route.method} ${route.path}`).to.not.be.empty;
        }
    });

    it("turns parameters into one-segment matches for Istio and for the router", () => {
        const cartDelete = apiRoutes.find((route) => route.path === "/api/cart/:userId/items/:productId")!;
        expect(operationPath(cartDelete)).to.equal("/api/cart/{*}/items/{*}");
        expect(pathRegex(cartDelete)).to.equal("/api/cart/[^/]+/items/[^/]+");
        expect(findRoute("DELETE", "/api/cart/1/items/2")).to.equal(cartDelete);
        expect(findRoute("DELETE", "/api/cart/1/items/2/3")).to.equal(undefined);
        expect(findRoute("GET", "/api/notifications?userId=1")?.service).to.equal("notification");
        expect(findRoute("HEAD", "/api/products")?.method).to.equal("GET");
        expect(findRoute("PUT", "/api/products")).to.equal(undefined);
    });
});
