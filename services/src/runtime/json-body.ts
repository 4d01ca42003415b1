// JSON bodies through Fastify's own parser (secure-json-parse, which refuses `__proto__` and
// `constructor.prototype` keys), with one change: Fastify reports a refused key as "Body is not
// valid JSON", which is false and sends the client looking for a syntax error. A body that
// plain JSON.parse accepts but the secure parser refused carried such a key: say so.
import type { FastifyInstance } from "fastify";
import { HttpError } from "./errors";

export const refusedKeyMessage = "request body refused: the keys __proto__ and constructor.prototype are not allowed";

export function installJsonParser(app: FastifyInstance): void {
    const parse = app.getDefaultJsonParser("error", "error");
    app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
        const text = body as string; // parseAs: "string"
        parse(request, text, (error: (Error & { code?: string }) | null, value?: unknown) => {
            if (error?.code === "FST_ERR_CTP_INVALID_JSON_BODY" && wellFormed(text)) {
                return done(new HttpError(400, refusedKeyMessage), undefined);
            }
            done(error, value);
        });
    });
}

function wellFormed(text: string): boolean {
    try {
        JSON.parse(text);
        return true;
    } catch {
        return false;
    }
}
