// Where `npm run dev` tells `npm run chaos` its instances' chaos controls: a small JSON file
// written once the stack is ready and removed when it stops (the ports are picked at start).
import { rmSync, writeFileSync } from "node:fs";
import type { ServiceName } from "../src/runtime/service-names";

export interface ChaosTarget {
    readonly service: ServiceName;
    readonly version: string;
    readonly chaosUrl: string;
}

export interface ChaosFile {
    readonly pid: number;
    readonly routerUrl: string;
    readonly targets: readonly ChaosTarget[];
}

/** Writes the file (0600: whoever reads it can fail the services); returns a function that removes it. */
export function writeChaosFile(file: string, routerUrl: string, instances: readonly { service: ServiceName; version: string; chaosUrl?: string }[]): () => void {
    const targets = instances.flatMap(({ service, version, chaosUrl }) => (chaosUrl ? [{ service, version, chaosUrl }] : []));
    const content: ChaosFile = { pid: process.pid, routerUrl, targets };
    writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
    return () => rmSync(file, { force: true });
}
