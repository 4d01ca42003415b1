// docs/security.md's "Who may call what" table, generated from the API surface. Run this file to
// print it; test/program/readme.test.ts fails when the copy in docs/ differs.
import { apiRoutes, type ApiRoute } from "../../services/src/runtime/api-surface";

function who(route: ApiRoute): string {
    const services = route.callers.map((caller) => `\`${caller}\``).join(", ");
    if (route.class === "internal") return services;
    const edge = route.class === "public" ? "anyone" : route.anyCustomer ? "any signed-in customer" : "the owner (token subject)";
    return services ? `${edge}; ${services}` : edge;
}

export function accessTable(): string {
    const rows = apiRoutes.map((route) => {
        const versions = route.versions ? ` (${route.versions.join(", ")})` : "";
        return `| \`${route.method} ${route.path}\` | ${route.service}${versions} | ${route.class} | ${who(route)} | ${route.summary} |`;
    });
    return ["| Route | Service | Class | Who may call | What |", "|---|---|---|---|---|", ...rows].join("\n");
}

if (require.main === module) process.stdout.write(`${accessTable()}\n`);
