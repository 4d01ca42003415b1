// One timer for many deadlines of the same length. Calls start in order, so they expire in
// order: a FIFO with a single armed timer replaces a timer (an AbortSignal.timeout) per call.

export interface Deadline {
    /** Forget the deadline: the call finished in time. */
    cancel(): void;
}

interface Entry extends Deadline {
    readonly at: number;
    readonly onExpire: () => void;
    done: boolean;
}

export class DeadlineQueue {
    private entries: Entry[] = [];
    private head = 0;
    private timer: NodeJS.Timeout | undefined;

    constructor(readonly ms: number) {}

    /** Calls `onExpire` once `ms` have passed, unless the deadline is cancelled first. */
    start(onExpire: () => void): Deadline {
        const entry: Entry = {
            at: performance.now() + this.ms,
            onExpire,
            done: false,
            cancel: () => {
                entry.done = true;
            },
        };
        this.entries.push(entry);
        if (!this.timer) this.arm(this.ms);
        return entry;
    }

    /** Deadlines still waiting (for tests and metrics). */
    get pending(): number {
        return this.entries.slice(this.head).filter((e) => !e.done).length;
    }

    private arm(delay: number): void {
        this.timer = setTimeout(this.expire, Math.max(1, Math.ceil(delay)));
        // A pending deadline alone must not keep the process alive.
        this.timer.unref();
    }

    private readonly expire = (): void => {
        this.timer = undefined;
        const now = performance.now();
        while (this.head < this.entries.length) {
            const entry = this.entries[this.head];
            if (!entry.done && entry.at > now) break;
            this.head++;
            if (!entry.done) {
                entry.done = true;
                entry.onExpire();
            }
        }
        // Drop the consumed prefix now and then, so the array does not grow without bound.
        if (this.head > 1024 && this.head * 2 > this.entries.length) {
            this.entries = this.entries.slice(this.head);
            this.head = 0;
        }
        if (this.head < this.entries.length) {
            this.arm(this.entries[this.head].at - now);
        } else {
            this.entries = [];
            this.head = 0;
        }
    };
}
