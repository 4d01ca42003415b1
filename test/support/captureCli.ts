// Prints the capture of a shipped stack as JSON on stdout: for a test that evaluates the
// program in another process, under another TypeScript hook (ts-node, as Pulumi's host does).
import { capture } from "./stacks";

capture(process.argv[2] ?? "prod").then(
    (captured) => process.stdout.write(JSON.stringify(captured)),
    (error: Error) => {
        process.stderr.write(`${error.stack ?? error.message}\n`);
        process.exit(1);
    },
);
