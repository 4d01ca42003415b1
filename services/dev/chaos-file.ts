// Where `npm run dev` tells `npm run chaos` its instances' chaos controls: a small JSON file
// written once the stack is ready and removed when it stops (the ports are picked at start).
import { rmSync, writeFileSync } from "node:fs";
import { maxChaosTtlSeconds } from "../src/runtime/chaos";
import type { ServiceName } from "../src/runtime/service-names";
import { DevError } from "./errors";

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

/**
 * DEV_CANARY_FAILURE_RATE, through the same chaos control as `npm run chaos`: the instance answers
 * that share of its API requests 500 for the longest time to live (an hour), so `promote --local`
 * can be seen rolling a bad canary back.
 */
export async function failInstance(chaosUrl: string, rate: string): Promise<void> {
    const errorRate = Number(rate);
    if (rate.trim() === "" || !(errorRate >= 0 && errorRate <= 1)) throw new DevError(`DEV_CANARY_FAILURE_RATE is ${JSON.stringify(rate)}; expected a number from 0 to 1`);
    if (errorRate === 0) return;
    const body = JSON.stringify({ errorRate, errorAnswer: 500, ttlSeconds: maxChaosTtlSeconds });
    const answer = await fetch(`${chaosUrl}/chaos`, { method: "PUT", headers: { "content-type": "application/json" }, body });
    if (answer.status !== 200) throw new DevError(`DEV_CANARY_FAILURE_RATE ${rate}: the chaos control at ${chaosUrl} answered ${answer.status} ${await answer.text()}`);
}
