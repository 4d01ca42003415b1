// What the router does about a request body the service will refuse and a service that does
// not answer, so local runs fail the way the mesh does:
// - the services' own body limit (BODY_LIMIT_BYTES) is enforced before forwarding, with the
//   services' own 413 answer: a service that answers 413 early closes the connection while
//   the router is still uploading, and that race turned most 413s into 502 EPIPE;
// - a service that answers before the whole body is sent (an early 4xx) is passed through, and
//   the rest of the upload is drained instead of written into a closing socket;
// - the route timeout of the stack (services.<name>.timeout), counted as Envoy counts it:
//   from the end of the request to the end of the answer; on expiry 504, as Envoy answers.
import type http from "node:http";
import { Transform, type TransformCallback } from "node:stream";
import { errorBody } from "../src/runtime/errors";

/** The services' 413 body, so a client sees the same answer with or without the router. */
export const tooLargeBody = errorBody("request body too large");

/** True when the request announces a body over `limit` bytes. */
export function declaresTooLarge(req: http.IncomingMessage, limit: number): boolean {
    const length = Number(req.headers["content-length"]);
    return Number.isFinite(length) && length > limit;
}

/** Passes the body through and calls `onExceeded` once, instead of passing more than `limit` bytes. */
export class BodyLimit extends Transform {
    private seen = 0;
    private exceeded = false;

    constructor(
        private readonly limit: number,
        private readonly onExceeded: () => void,
    ) {
        super();
    }

    override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
        this.seen += chunk.length;
        if (this.seen > this.limit) {
            if (!this.exceeded) this.onExceeded();
            this.exceeded = true;
            return done();
        }
        done(null, chunk);
    }
}

/** The route timeout: started when the request is complete, cleared with `clear()`. */
export function routeTimer(req: http.IncomingMessage, timeoutMs: number | undefined, onTimeout: () => void): { clear(): void } {
    let timer: NodeJS.Timeout | undefined;
    const start = () => {
        if (timeoutMs !== undefined) timer = setTimeout(onTimeout, timeoutMs);
    };
    if (req.complete) start();
    else req.once("end", start);
    return {
        clear: () => {
            req.off("end", start);
            clearTimeout(timer);
        },
    };
}
