// Each service's own PostgreSQL login: a role that owns the service's schema and nothing
// else. The deploying program names the Secret keys from here; the bootstrap Job creates the
// roles from the same names, so the two cannot drift.
import pg from "pg";
import { type ServiceName, serviceNames } from "../runtime/service-names";

/** The role a service logs in as (suffixed: `user` alone is a reserved word). */
export const loginRole = (service: ServiceName): string => `${service}_app`;

/** Key of the service's connection URL in the database Secret, when each service has its own login. */
export const databaseUrlKey = (service: ServiceName): string => `DATABASE_URL_${service.toUpperCase()}`;

export const adminUrlVariable = "DATABASE_ADMIN_URL";

export interface Login {
    readonly service: ServiceName;
    readonly role: string;
    readonly password: string;
}

/** The logins to create, read from the same URLs the services will use (one env var each). */
export function loginsFromEnv(env: Readonly<Record<string, string | undefined>>): Login[] {
    return serviceNames.map((service) => {
        const key = databaseUrlKey(service);
        const text = env[key];
        if (!text) throw new Error(`${key} is not set`);
        const url = new URL(text);
        const role = decodeURIComponent(url.username);
        if (role !== loginRole(service)) throw new Error(`${key} logs in as "${role}", expected "${loginRole(service)}"`);
        return { service, role, password: decodeURIComponent(url.password) };
    });
}

/**
 * Creates or updates every login and gives it its schema, as the server admin. Safe to run
 * again (a password rotation runs it with new passwords). The admin is a CREATEROLE role, not a
 * superuser, as on Azure's Flexible Server.
 */
export async function provisionLogins(adminUrl: string, logins: readonly Login[]): Promise<void> {
    const client = new pg.Client({ connectionString: adminUrl, application_name: "bootstrap-logins" });
    await client.connect();
    try {
        const database = client.escapeIdentifier((await client.query<{ db: string }>("SELECT current_database() AS db")).rows[0].db);
        // Only the logins below may connect; nobody else gets the public schema either.
        await client.query(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`);
        await client.query("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
        for (const login of logins) {
            const role = client.escapeIdentifier(login.role);
            const password = client.escapeLiteral(login.password);
            const exists = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [login.role]);
            await client.query(`${exists.rowCount ? "ALTER" : "CREATE"} ROLE ${role} WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD ${password}`);
            // The admin may hand the schema to the role only while it can act as that role.
            await client.query(`GRANT ${role} TO CURRENT_USER`);
            const schema = client.escapeIdentifier(login.service);
            await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION ${role}`);
            await client.query(`ALTER SCHEMA ${schema} OWNER TO ${role}`);
            await client.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${role}`);
        }
    } finally {
        await client.end();
    }
}
