import { Writable } from "node:stream";
import { expect } from "chai";
import pino, { type Logger } from "pino";
import { RequestLogger } from "../src/runtime/request-logger";

function capture(level: string): { logger: Logger; lines: Record<string, unknown>[]; children: () => number } {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
        write(chunk, _encoding, done) {
            lines.push(JSON.parse(chunk.toString()));
            done();
        },
    });
    const logger = pino({ level }, stream);
    let made = 0;
    const child = logger.child.bind(logger);
    logger.child = ((...args: Parameters<Logger["child"]>) => (made++, child(...args))) as Logger["child"];
    return { logger, lines, children: () => made };
}

describe("the per-request logger", () => {
    it("makes no child logger for a request that logs nothing at the configured level", () => {
        const { logger, lines, children } = capture("warn");
        let asked = 0;
        const log = new RequestLogger(logger, () => (asked++, { trace_id: "t" }));
        log.info({ status: 200 }, "request");
        log.debug("probe");
        expect(children()).to.equal(0);
        expect(asked).to.equal(0);
        expect(lines).to.deep.equal([]);
    });

    it("binds what the request knows when the first line is written, and makes the child once", () => {
        const { logger, lines, children } = capture("info");
        const request: { traceId?: string } = {};
        const log = new RequestLogger(logger, () => ({ reqId: "req-1", trace_id: request.traceId }));
        request.traceId = "0af7651916cd43dd8448eb211c80319c"; // known only after the logger was made
        log.info({ status: 201 }, "request");
        log.warn("downstream %s slow", "inventory");
        expect(children()).to.equal(1);
        expect(lines.map(({ level, msg, reqId, trace_id, status }) => ({ level, msg, reqId, trace_id, status }))).to.deep.equal([
            { level: 30, msg: "request", reqId: "req-1", trace_id: request.traceId, status: 201 },
            { level: 40, msg: "downstream inventory slow", reqId: "req-1", trace_id: request.traceId, status: undefined },
        ]);
    });

    it("follows a level set on it, as Fastify's per-route logLevel does", () => {
        const { logger, lines } = capture("info");
        const log = new RequestLogger(logger, () => ({}));
        log.level = "error";
        log.warn("hidden");
        log.error("shown");
        expect(log.level).to.equal("error");
        expect(lines.map((line) => line.msg)).to.deep.equal(["shown"]);
        expect(logger.level).to.equal("info");
    });
});
