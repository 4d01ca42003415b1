// Who is calling, for customer routes. The subject arrives in `subjectHeader`, set by the
// ingress gateway (or the local router) from a verified token, and passed on by services
// that call on a customer's behalf. An AuthorizationPolicy cannot compare a path segment with
// a claim, so ownership is checked here: 401 without a subject, 403 for someone else's data.
import type { FastifyRequest } from "fastify";
import { HttpError } from "./errors";
import { subjectHeader } from "./api-surface";
import { idSchema } from "./validation";

/** The verified subject of the request; 401 when there is none or it is not one plain id. */
export function subjectOf(request: FastifyRequest): string {
    const raw = request.headers[subjectHeader];
    // A list (a client value next to the gateway's) is never trusted, whichever comes first.
    if (typeof raw !== "string" || !idSchema.safeParse(raw).success) {
        throw new HttpError(401, "sign-in required", { reason: "send a valid bearer token" });
    }
    return raw;
}

/** The subject, when it is `owner`; 403 otherwise. */
export function requireOwner(request: FastifyRequest, owner: string, what: string): string {
    const subject = subjectOf(request);
    if (subject !== owner) throw new HttpError(403, `this ${what} belongs to another customer`, { subject });
    return subject;
}
