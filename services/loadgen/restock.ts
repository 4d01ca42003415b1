// Keeps every product on the shelf during a long run, as an operator restocking would: a
// product whose stock falls under `lowWater` gets `batch` more, and the amounts are counted so
// the stock conservation check after the run adds them to the starting stock. The API surface
// has no restock route (stock arrives in the database), so this writes inventory.stock.
import type pg from "pg";

export interface RestockPolicy {
    /** Restock a product when fewer than this are available. */
    readonly lowWater: number;
    /** How many to add each time. */
    readonly batch: number;
    /** How often to look. */
    readonly everyMs: number;
}

/** A product's stock lasts ~2 s of checkout at full speed even between two looks. */
export const defaultRestock: RestockPolicy = { lowWater: 200, batch: 1000, everyMs: 1000 };

export class Restocker {
    /** Units added per product since start. */
    readonly restocked = new Map<string, number>();
    private timer?: NodeJS.Timeout;
    private running?: Promise<void>;

    constructor(
        private readonly pool: pg.Pool,
        readonly policy: RestockPolicy = defaultRestock,
        private readonly onError: (err: Error) => void = () => undefined,
    ) {}

    /** One look: tops up every product under the low-water mark; resolves once it is written. */
    async restockOnce(): Promise<void> {
        // One statement: each row's lock makes the top-up atomic beside concurrent reservations.
        const result = await this.pool.query<{ product_id: string }>(
            "UPDATE inventory.stock SET available = available + $1 WHERE available < $2 RETURNING product_id",
            [this.policy.batch, this.policy.lowWater],
        );
        for (const { product_id } of result.rows) this.restocked.set(product_id, (this.restocked.get(product_id) ?? 0) + this.policy.batch);
    }

    start(): void {
        const tick = () => {
            this.running = this.restockOnce().catch(this.onError).finally(() => {
                if (this.timer) this.timer = setTimeout(tick, this.policy.everyMs);
            });
        };
        this.timer = setTimeout(tick, 0);
    }

    /** Stops looking; resolves after a look in progress has been written (so `restocked` is final). */
    async stop(): Promise<void> {
        clearTimeout(this.timer);
        this.timer = undefined;
        await this.running;
    }
}
