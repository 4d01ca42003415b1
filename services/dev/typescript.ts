// How the dev runner, the tools and the tests start a TypeScript entry from its sources: tsx's
// CommonJS hook (esbuild, transpile only, cached on disk by content), which starts a process
// several times faster than ts-node compiling every module again on each start.
export const runFromSources: readonly string[] = ["-r", require.resolve("tsx/cjs")];
