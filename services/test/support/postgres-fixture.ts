// Mocha global fixture: one throwaway PostgreSQL for the whole run. Test files each create
// their own database on it (see database.ts), so they never see each other's rows.
import { startThrowawayPostgres, type ThrowawayPostgres } from "../../scripts/throwaway-postgres";

let server: ThrowawayPostgres | undefined;

export async function mochaGlobalSetup(): Promise<void> {
    server = await startThrowawayPostgres();
    process.env.TEST_POSTGRES_ADMIN_URL = server.adminUrl;
}

export function mochaGlobalTeardown(): void {
    server?.stop();
}
