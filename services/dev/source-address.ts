// Which loopback address each local tool sends from. npm run dev's edge limits requests per
// client address, as the gateway does in prod (services/dev/ratelimit.ts); were every tool to
// send from 127.0.0.1 they would share one budget, and loadgen's shoppers would starve promote's
// and verify's requests. Linux routes all of 127.0.0.0/8 to the loopback interface, so each tool
// (and each shopper) binds its own address there and gets its own budget, as separate clients
// would in prod. Where an address cannot be bound (macOS configures only 127.0.0.1), the tool
// falls back to the default source and says so.
import net from "node:net";
import type { Agent as UndiciAgent } from "undici";

/** One address per tool; loadgen's shoppers use 127.1.0.0/16 (shopperSource). */
export const toolSources = { promote: "127.0.0.2", verify: "127.0.0.3" } as const;

/** Shopper `index` (from 0) sends from 127.1.x.y: up to 65,024 shoppers, none on .0 or .255. */
export function shopperSource(index: number): string {
    if (!Number.isInteger(index) || index < 0 || index >= 254 * 256) throw new RangeError(`shopper index ${index} is outside 0..${254 * 256 - 1}`);
    return `127.1.${Math.floor(index / 254)}.${(index % 254) + 1}`;
}

/** Only an IPv4 loopback literal target can be reached from another loopback source. */
export function isLoopbackTarget(target: string): boolean {
    const host = new URL(target).hostname;
    return net.isIPv4(host) && host.startsWith("127.");
}

/** Whether this machine lets a socket bind `address` (EADDRNOTAVAIL where it is not configured). */
export function canBind(address: string): Promise<boolean> {
    return new Promise((resolve) => {
        const probe = net.createServer();
        probe.once("error", () => resolve(false));
        probe.listen(0, address, () => probe.close(() => resolve(true)));
    });
}

export interface SourcedFetch {
    readonly fetch: typeof fetch;
    /** The address requests leave from, or undefined for the system's default. */
    readonly source?: string;
    /** Why the default is used, for the tool's progress line. */
    readonly note?: string;
}

// undici (a services dependency) is loaded only when a source address is used: Node's built-in
// fetch has no option for the local address, and it rejects an undici 8 Agent as its dispatcher.
let undici: typeof import("undici") | undefined;
const loadUndici = () => (undici ??= require("undici") as typeof import("undici"));

/** A fetch whose connections to `target` leave from `source` when the target is on loopback and the address binds. */
export async function fetchFrom(target: string, source: string): Promise<SourcedFetch> {
    if (!isLoopbackTarget(target)) return { fetch: globalThis.fetch };
    if (!(await canBind(source))) return { fetch: globalThis.fetch, note: `${source} cannot be bound here; sending from the default address, which other local tools share` };
    const { Agent, fetch: undiciFetch } = loadUndici();
    const agent: UndiciAgent = new Agent({ localAddress: source });
    const sourced = (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
        undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>;
    return { fetch: sourced as typeof fetch, source };
}
