// After a run, loadgen checks the money invariants in the shop's database (loadgen/invariants.ts),
// once no order is pending any more: a pending order is still being retried or swept.
import pg from "pg";
import type { DatabaseSource } from "./database";
import { accountedStock, checkInvariants, invariantChecks } from "./invariants";
import { Restocker, type RestockPolicy } from "./restock";

export type MoneyCheck =
    | { readonly checked: true; readonly broken: readonly string[]; readonly restocked: number; readonly pendingWaitedMs: number }
    | { readonly checked: false; readonly why: string };

const pendingOrders = async (pool: pg.Pool) =>
    (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "order".orders WHERE status = 'pending'`)).rows[0].n;

/**
 * Waits up to `settleMs` for pending orders to settle (the sweeper takes orders older than
 * ORDER_SWEEP_AGE_MS, 60 s by default), then checks. `baseline` is the stock accounted for at
 * the start, `restocked` what was added since.
 */
export async function checkMoney(pool: pg.Pool, baseline: ReadonlyMap<string, number>, restocked: ReadonlyMap<string, number>, settleMs: number): Promise<MoneyCheck> {
    const started = Date.now();
    while ((await pendingOrders(pool)) > 0 && Date.now() - started < settleMs) await new Promise((resolve) => setTimeout(resolve, 1000));
    const expected = new Map(baseline);
    for (const [productId, added] of restocked) expected.set(productId, (expected.get(productId) ?? 0) + added);
    const broken = await checkInvariants(async (sql) => (await pool.query(sql)).rows, expected);
    const total = [...restocked.values()].reduce((sum, n) => sum + n, 0);
    return { checked: true, broken, restocked: total, pendingWaitedMs: Date.now() - started };
}

/** Longest wait for pending orders before the check: past the sweeper's 60 s age and 30 s interval. */
export const settleMs = 150_000;

export interface MoneyWatch {
    /** Stops restocking, waits for pending orders, checks; never throws. */
    finish(settleMs: number): Promise<MoneyCheck>;
}

/**
 * Before a run: reads the stock accounted for and starts restocking when the database is
 * reachable; otherwise `finish` reports why nothing was checked.
 */
export async function watchMoney(source: DatabaseSource, log: (line: string) => void, policy?: RestockPolicy): Promise<MoneyWatch> {
    if (source.url === undefined) {
        log(`no restock and no invariant check: ${source.why}`);
        return { finish: async () => ({ checked: false, why: source.why }) };
    }
    const pool = new pg.Pool({ connectionString: source.url, max: 2 });
    pool.on("error", (err) => log(`database connection lost: ${err.message}`));
    let baseline: Map<string, number>;
    try {
        baseline = await accountedStock(async (sql) => (await pool.query(sql)).rows);
    } catch (err) {
        await pool.end();
        const why = `cannot read the database of ${source.from}: ${(err as Error).message}`;
        log(`no restock and no invariant check: ${why}`);
        return { finish: async () => ({ checked: false, why }) };
    }
    const restocker = new Restocker(pool, policy, (err) => log(`restock failed: ${err.message}`));
    restocker.start();
    log(`restocking under ${(policy ?? restocker.policy).lowWater} and checking the money invariants in the database of ${source.from}`);
    return {
        finish: async (settleMs) => {
            try {
                await restocker.stop();
                log("checking the money invariants once no order is pending");
                return await checkMoney(pool, baseline, restocker.restocked, settleMs);
            } catch (err) {
                return { checked: false, why: `the check failed: ${(err as Error).message}` };
            } finally {
                await pool.end();
            }
        },
    };
}

/** The lines the summary ends with. */
export function formatMoneyCheck(check: MoneyCheck): string {
    if (!check.checked) return `money invariants: not checked (${check.why})`;
    const restock = `restocked ${check.restocked} units`;
    const names = Object.keys(invariantChecks).length;
    if (check.broken.length === 0) return `money invariants: all ${names} hold in the database (${restock}; charges vs confirmed orders, reservations vs orders, stock conservation)`;
    return [`money invariants: ${check.broken.length} broken (${restock}):`, ...check.broken.map((line) => `  - ${line}`)].join("\n");
}
