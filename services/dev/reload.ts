// The running router follows the stack file: tools/dev.ts watches Pulumi.<stack>.yaml, reads
// and validates it with the program's own loader, and sends the new split and faults here over
// the IPC channel. A bad edit is refused there; a version that is not running is refused here.
import { DevError } from "./errors";
import { describeFaults, parseFaults } from "./faults";
import { describeSplit, parseProductSplit } from "./split";
import type { RunningStack } from "./stack";

export interface RoutingMessage {
    readonly type: "routing";
    readonly split: unknown;
    readonly faults: unknown;
}

export function followStackFile(stack: RunningStack, progress: (line: string) => void): void {
    process.on("message", (message: RoutingMessage) => {
        if (message?.type !== "routing") return;
        try {
            const split = parseProductSplit(JSON.stringify(message.split));
            const faults = parseFaults(JSON.stringify(message.faults));
            stack.reroute(split, faults);
            progress(`stack file changed: now ${describeSplit(split)}; ${describeFaults(faults)}`);
            process.send?.({ type: "rerouted", split });
        } catch (err) {
            progress(`stack file change refused: ${err instanceof DevError ? err.message : String(err)}`);
        }
    });
}
