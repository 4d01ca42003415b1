// Bundles the services into one minified dist/main.js (with its source map), the entry that
// containers, the dev stack and the bench run. One script instead of ~550 module files keeps
// a service's idle memory down: Node's module resolver no longer runs hot enough at start to
// be JIT-compiled, and the loaded source is a third of the size. `npm run build` type-checks
// with tsc first; esbuild only strips the types.
const { rmSync } = require("node:fs");
const path = require("node:path");
const esbuild = require("esbuild");

// Left to `require` at run time from node_modules: code that is loaded only on some paths,
// so bundling it would make every service parse it at start.
const loadedOnDemand = [
    // Span export, imported only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    "@opentelemetry/sdk-node",
    "@opentelemetry/exporter-trace-otlp-http",
    "@opentelemetry/resources",
    // The downstream client, required on a service's first call to another.
    "undici",
    // Fastify's JSON-schema compilers and inject(); the services validate with zod and
    // install a compiler factory that refuses schemas, so these are never loaded.
    "@fastify/ajv-compiler",
    "@fastify/fast-json-stringify-compiler",
    "ajv",
    "ajv-formats",
    "fast-uri",
    "light-my-request",
    // pg's optional native binding, which is not installed.
    "pg-native",
];

/** Writes `<outdir>/main.js` and its map, after emptying outdir; resolves to the script's path. */
async function bundle(outdir = path.join(__dirname, "..", "dist")) {
    // Nothing left over from an earlier build (or from tsc) ships beside the bundle.
    rmSync(outdir, { recursive: true, force: true });
    const outfile = path.join(outdir, "main.js");
    await esbuild.build({
        entryPoints: [path.join(__dirname, "..", "src", "main.ts")],
        outfile,
        bundle: true,
        platform: "node",
        target: "node22",
        format: "cjs",
        // Whitespace and syntax only: names stay, so stack traces read as the code does.
        minifyWhitespace: true,
        minifySyntax: true,
        // Stack traces name the TypeScript file and line (the images run with --enable-source-maps).
        sourcemap: true,
        sourcesContent: false,
        external: loadedOnDemand,
        logLevel: "warning",
    });
    return outfile;
}

if (require.main === module) {
    bundle().catch((error) => {
        // esbuild has already printed its diagnostics with file and line.
        console.error(`bundle failed: ${error.message.split("\n")[0]}`);
        process.exit(1);
    });
}

module.exports = { bundle, loadedOnDemand };
