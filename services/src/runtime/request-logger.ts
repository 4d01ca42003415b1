// A request's logger, made on first use. Most requests log nothing below the configured level
// (and probes never do), yet pino's child() per request, with its bindings serialized and
// its level methods rebound, was a tenth of the product service's CPU under load. The
// child is made with the request's bindings the first time a line would be written.
import type { FastifyBaseLogger } from "fastify";
import type { Bindings, ChildLoggerOptions, Level, Logger } from "pino";

/** What pino's level methods take: an object or a message, then the message and format arguments. */
type LogArgs = [objOrMsg: unknown, ...rest: unknown[]];

export class RequestLogger implements FastifyBaseLogger {
    private made: Logger | undefined;

    constructor(
        private readonly parent: Logger,
        private readonly bindings: () => Bindings,
    ) {}

    get level(): string {
        return this.made?.level ?? this.parent.level;
    }

    set level(level: string) {
        this.real().level = level;
    }

    fatal(...args: LogArgs): void {
        this.write("fatal", args);
    }
    error(...args: LogArgs): void {
        this.write("error", args);
    }
    warn(...args: LogArgs): void {
        this.write("warn", args);
    }
    info(...args: LogArgs): void {
        this.write("info", args);
    }
    debug(...args: LogArgs): void {
        this.write("debug", args);
    }
    trace(...args: LogArgs): void {
        this.write("trace", args);
    }
    silent(): void {}

    child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
        return this.real().child(bindings, options);
    }

    private real(): Logger {
        return (this.made ??= this.parent.child(this.bindings()));
    }

    private write(level: Level, args: LogArgs): void {
        if (!(this.made ?? this.parent).isLevelEnabled(level)) return;
        const logger = this.real();
        (logger[level] as (...args: LogArgs) => void).apply(logger, args);
    }
}
