// Customer accounts: each customer creates and reads their own profile, whose id is the
// subject of their token. Email is unique.
import type { FastifyInstance } from "fastify";
import * as z from "zod";
import { isUniqueViolation } from "../runtime/database";
import { HttpError } from "../runtime/errors";
import { requireOwner, subjectOf } from "../runtime/identity";
import type { ServiceContext } from "../runtime/service-module";
import { idSchema, parseInput } from "../runtime/validation";

interface User {
    id: string;
    name: string;
    email: string;
    address: string | null;
}

const userColumns = "id, name, email, address";
const userParams = z.object({ id: idSchema });
const newUser = z.strictObject({
    name: z.string().trim().min(1).max(200),
    email: z.email().max(320),
    address: z.string().trim().min(1).max(500).optional(),
});

export function registerUserRoutes(app: FastifyInstance, { db, metrics }: ServiceContext): void {
    app.post("/api/users", async (request, reply) => {
        const id = subjectOf(request);
        const { name, email, address } = parseInput(newUser, request.body, "request body");
        try {
            const result = await db.pool.query<User>(
                `INSERT INTO users (id, name, email, address) VALUES ($1, $2, $3, $4) RETURNING ${userColumns}`,
                [id, name, email.toLowerCase(), address ?? null],
            );
            metrics.businessEvents.inc({ event: "user_registered", status: "ok" });
            return reply.status(201).send(result.rows[0]);
        } catch (error) {
            if (isUniqueViolation(error, "users_pkey")) throw new HttpError(409, "this customer already has a profile", { id });
            if (isUniqueViolation(error)) throw new HttpError(409, "email already registered", { email });
            throw error;
        }
    });

    app.get("/api/users/:id", async (request) => {
        const { id } = parseInput(userParams, request.params, "path");
        requireOwner(request, id, "profile");
        const user = (await db.pool.query<User>(`SELECT ${userColumns} FROM users WHERE id = $1`, [id])).rows[0];
        if (!user) throw new HttpError(404, "user not found", { id });
        return user;
    });
}
