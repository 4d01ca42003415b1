// `npm run docs`: writes the generated references of docs/reference/ from their single sources.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { references } from "./references";

for (const [file, generate] of Object.entries(references)) {
    writeFileSync(path.join(__dirname, "..", "..", file), generate());
    process.stdout.write(`wrote ${file}\n`);
}
