// Preloaded by the npm scripts that run TypeScript tools (render, check, figures): Node keeps
// the compiled code of every module it loads on disk, so later runs skip parsing and
// compiling the Pulumi SDKs again. Node < 22.1 has no compile cache and runs as before.
const path = require("node:path");
const moduleApi = require("node:module");

moduleApi.enableCompileCache?.(path.join(__dirname, "..", "node_modules", ".cache", "node-compile-cache"));
