// Tests run the services from their TypeScript sources, so `npm test` needs no build first.
import path from "node:path";

const packageDir = path.resolve(__dirname, "..", "..");

/** argv that starts one real service process from src/main.ts through ts-node. */
export const serviceFromSources: readonly string[] = [
    process.execPath,
    "-r",
    require.resolve("ts-node/register/transpile-only"),
    path.join(packageDir, "src", "main.ts"),
];

/** Nine processes compile their sources on two cores: give startup plenty of time. */
export const startupTimeoutMs = 120_000;
