// Preloaded with -r: this process's require("undici") throws, as undici 8 fails on a Node it
// does not support (it needs >= 22.19.0). Everything else loads as usual.
const Module = require("node:module");
const load = Module._load;
Module._load = function (request, ...rest) {
    if (request === "undici") throw new Error("undici needs Node.js >= 22.19.0 (simulated)");
    return load.call(this, request, ...rest);
};
