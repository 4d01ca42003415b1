// npm run chaos: its flags, then end to end against npm run dev's topology (every service a
// process behind the router, each with its chaos control): the app-level effects the guide's
// scenarios show, and that nothing of the control is reachable through the edge.
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { writeChaosFile } from "../../services/dev/chaos-file";
import type { RunningStack } from "../../services/dev/stack";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../../services/scripts/throwaway-postgres";
import { stackFromSources, startupTimeoutMs } from "../../services/test/e2e/from-sources";
import { parseChaosArgs } from "../../tools/chaos/args";
import { runChaos } from "../../tools/chaos/main";
import { devControls } from "../../tools/chaos/targets";
import { runScenario } from "../../tools/verify/chaosRun";
import { scenarios } from "../../tools/verify/scenarios";
import { fromPulumiConfig, loadStackConfig, projectName } from "../../stacks";
import { readStackFile } from "../../tools/capture/stackFile";
import { projectDir } from "../support/stacks";

const usageError = (argv: string[]) => {
    try {
        parseChaosArgs(argv);
    } catch (error) {
        return (error as Error).message;
    }
    return "no error";
};

describe("npm run chaos", () => {
    describe("flags", () => {
        it("turns the guide's commands into control requests", () => {
            expect(parseChaosArgs(["--stack", "dev", "--service", "payment", "--error-rate", "1", "--for", "2m"]).action).to.deep.equal({
                kind: "set",
                service: "payment",
                request: { errorRate: 1, errorAnswer: 500, latencyMs: 0, ttlSeconds: 120 },
            });
            expect(parseChaosArgs(["--stack", "dev", "--service", "inventory", "--latency", "20s", "--route", "GET /api/inventory/:productId"]).action).to.deep.equal({
                kind: "set",
                service: "inventory",
                request: { errorRate: 0, errorAnswer: 500, latencyMs: 20_000, route: "GET /api/inventory/:productId", ttlSeconds: 120 },
            });
            const range = parseChaosArgs(["--stack", "dev", "--service", "product", "--error-rate", "0.5", "--answer", "reset", "--latency", "200ms-2s"]).action;
            expect(range).to.deep.include({ kind: "set" });
            expect(range.kind === "set" && range.request).to.include({ errorRate: 0.5, errorAnswer: "reset", latencyMs: 200, latencyMaxMs: 2_000 });
            expect(parseChaosArgs(["--stack", "dev", "--list"]).action).to.deep.equal({ kind: "list" });
            expect(parseChaosArgs(["--stack", "dev", "--clear", "--service", "payment"]).action).to.deep.equal({ kind: "clear", service: "payment" });
            expect(parseChaosArgs(["--stack", "dev", "--list", "--control", "http://127.0.0.1:9901/"]).controls).to.deep.equal(["http://127.0.0.1:9901"]);
        });

        it("names the bad flag and the values it allows", () => {
            expect(usageError(["--service", "payment", "--error-rate", "1"])).to.equal("--stack <name> is required");
            expect(usageError(["--stack", "dev", "--service", "pay", "--error-rate", "1"])).to.equal(
                '--service "pay": expected one of product, cart, order, payment, user, inventory, shipping, notification',
            );
            expect(usageError(["--stack", "dev", "--service", "payment", "--error-rate", "1.5"])).to.equal('--error-rate "1.5": expected a number from 0 to 1');
            expect(usageError(["--stack", "dev", "--service", "payment", "--error-rate", "x"])).to.equal('--error-rate "x": expected a number from 0 to 1');
            expect(usageError(["--stack", "dev", "--service", "payment", "--error-rate", "1", "--answer", "404"])).to.equal('--answer "404": expected a status from 500 to 599, or reset');
            expect(usageError(["--stack", "dev", "--service", "payment", "--latency", "20"])).to.equal('--latency "20": expected a duration such as 20s, or a range such as 200ms-2s, up to 10m');
            expect(usageError(["--stack", "dev", "--service", "payment", "--latency", "2s-1s"])).to.match(/^--latency "1s": expected/);
            expect(usageError(["--stack", "dev", "--service", "payment", "--error-rate", "1", "--for", "2h"])).to.equal('--for "2h": expected a duration from 1s to 1h, such as 2m');
            expect(usageError(["--stack", "dev", "--service", "payment", "--error-rate", "1", "--route", "GET /api/products"])).to.equal(
                '--route "GET /api/products": expected one of payment\'s routes: "POST /api/payments", "POST /api/payments/refunds"',
            );
            expect(usageError(["--stack", "dev", "--service", "payment"])).to.equal("--error-rate <0-1> or --latency <duration> is required");
            expect(usageError(["--stack", "dev", "--list", "--error-rate", "1"])).to.equal("--error-rate: not allowed with --list");
            expect(usageError(["--stack", "dev", "--list", "--clear"])).to.equal("--list and --clear: expected one of them");
            expect(usageError(["--stack", "dev", "--list", "--control", "ftp://x"])).to.equal("--control ftp://x: must be http:// or https://");
            expect(usageError(["--stack", "dev", "--bogus"])).to.match(/^Unknown option '--bogus'/);
        });

        it("refuses a stack whose chaos.enabled is false, naming the key (exit 2)", async () => {
            const lines: string[] = [];
            expect(await runChaos(["--stack", "prod", "--list"], {}, (line) => lines.push(line))).to.equal(2);
            expect(lines.join("\n")).to.match(/^npm run chaos: chaos\.enabled is false in stack prod: .*pulumi config set --path chaos\.enabled true -s prod/);
        });

        it("reads the controls npm run dev lists (a 0600 file, removed at stop), skipping instances without one", () => {
            const file = path.join(mkdtempSync(path.join(tmpdir(), "chaos-file-")), "chaos.json");
            const remove = writeChaosFile(file, "http://127.0.0.1:8080", [
                { service: "payment", version: "v1", chaosUrl: "http://127.0.0.1:41001" },
                { service: "order", version: "v1" },
            ]);
            expect(statSync(file).mode & 0o777).to.equal(0o600);
            expect(devControls(file)).to.deep.equal([{ url: "http://127.0.0.1:41001", service: "payment", version: "v1" }]);
            remove();
            expect(existsSync(file)).to.equal(false);
            rmSync(path.dirname(file), { recursive: true });
        });

        it("says how to start the controls when npm run dev is not running (exit 2)", async () => {
            const lines: string[] = [];
            expect(await runChaos(["--stack", "dev", "--list"], { DEV_CHAOS_FILE: path.join(tmpdir(), `none-${randomUUID()}.json`) }, (line) => lines.push(line))).to.equal(2);
            expect(lines[0]).to.match(/does not exist\. Start npm run dev with a stack whose chaos\.enabled is true .* or pass --control <url>/);
        });
    });

    describe("against npm run dev's services", function () {
        this.timeout(startupTimeoutMs + 120_000);
        let postgres: ThrowawayPostgres;
        let stack: RunningStack;
        let dir: string;
        let env: NodeJS.ProcessEnv;
        const chaos = async (...argv: string[]) => {
            const lines: string[] = [];
            const code = await runChaos(["--stack", "dev", ...argv], env, (line) => lines.push(line));
            return { code, lines };
        };
        const order = async () => {
            const headers = { "content-type": "application/json", "idempotency-key": randomUUID(), authorization: `Bearer ${await stack.issuer.mint("1")}` };
            const body = JSON.stringify({ userId: "1", items: [{ productId: "1", price: 999, quantity: 1 }] });
            const answer = await fetch(`${stack.routerUrl}/api/orders`, { method: "POST", headers, body });
            return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
        };

        before(async () => {
            postgres = await startThrowawayPostgres();
            stack = await stackFromSources({
                databaseUrl: await postgres.createDatabase("chaos_cli"),
                // Short route timeouts so the deadline shows in a second (the stack's are 8s and more).
                routeTimeoutMs: { inventory: 1_000 },
                chaos: true,
            });
            dir = mkdtempSync(path.join(tmpdir(), "chaos-cli-"));
            env = { DEV_CHAOS_FILE: path.join(dir, "chaos.json") };
            writeChaosFile(env.DEV_CHAOS_FILE!, stack.routerUrl, stack.instances);
        });

        after(async () => {
            const clean = stack ? await stack.stop() : true;
            postgres?.stop();
            if (dir) rmSync(dir, { recursive: true, force: true });
            expect(clean, "every service stopped cleanly").to.equal(true);
        });

        it("--list shows every instance's control, idle", async () => {
            const { code, lines } = await chaos("--list");
            expect(code).to.equal(0);
            expect(lines).to.have.length(9);
            expect(lines.every((line) => line.endsWith(": no chaos"))).to.equal(true);
            expect(lines.some((line) => line.startsWith("product v2 http://127.0.0.1:"))).to.equal(true);
        });

        it("breaker, at the app level: order answers 503 (pending) while payment fails, and confirms again after --clear", async () => {
            expect((await order()).status).to.equal(201);
            const set = await chaos("--service", "payment", "--error-rate", "1", "--for", "2m");
            expect(set.code).to.equal(0);
            expect(set.lines).to.have.length(1);
            expect(set.lines[0]).to.match(/^payment v1 http:\/\/127\.0\.0\.1:\d+: errors 100% \(500\) on every API route, 1[12]\ds left$/);
            const failing = await order();
            expect(failing.status).to.equal(503);
            expect(failing.body).to.deep.include({ error: "payment is unavailable: the order is pending, retry with the same Idempotency-Key" });
            expect((await chaos("--clear", "--service", "payment")).lines).to.deep.equal([set.lines[0].replace(/: errors.*$/, ": cleared")]);
            expect((await order()).status).to.equal(201);
        });

        it("timeout, at the app level: inventory slowed to 3s is answered 504 at the 1s route timeout", async () => {
            const set = await chaos("--service", "inventory", "--latency", "3s", "--route", "GET /api/inventory/:productId", "--for", "30s");
            expect(set.lines[0]).to.match(/: latency 3000 ms on GET \/api\/inventory\/:productId, (30|29)s left$/);
            const started = Date.now();
            const answer = await fetch(`${stack.routerUrl}/api/inventory/1`);
            const elapsed = Date.now() - started;
            expect(answer.status).to.equal(504);
            expect(elapsed).to.be.within(950, 2_500);
            expect((await chaos("--clear")).code).to.equal(0);
        });

        it("is not reachable through the edge: /chaos is the router's 404 and changes nothing", async () => {
            for (const method of ["GET", "PUT", "DELETE"]) {
                const answer = await fetch(`${stack.routerUrl}/chaos`, { method, headers: { "content-type": "application/json" }, body: method === "PUT" ? JSON.stringify({ errorRate: 1, ttlSeconds: 60 }) : undefined });
                expect(answer.status, `${method} /chaos`).to.equal(404);
            }
            expect((await chaos("--list")).lines.every((line) => line.endsWith(": no chaos"))).to.equal(true);
            expect((await order()).status).to.equal(201);
        });

        const scenario = async (name: "breaker" | "timeout", durationMs: number) =>
            runScenario({
                scenario: scenarios[name],
                target: stack.routerUrl,
                config: loadStackConfig(fromPulumiConfig(readStackFile(projectDir, "dev", projectName).values)),
                controls: [],
                durationMs,
                auth: { authorization: `Bearer ${await stack.issuer.mint("1")}` },
                progress: () => undefined,
                env,
            });

        it("verify --chaos breaker on npm run dev: every order is answered 503 (pending) while the one payment fails, then 201 again", async () => {
            const { answers, results } = await scenario("breaker", 3_000);
            expect(Object.keys(answers)).to.deep.equal(["503"]);
            expect(results.map((r) => r.status)).to.deep.equal(["pass"]);
            expect((await chaos("--list")).lines.every((line) => line.endsWith(": no chaos")), "the scenario was cleared").to.equal(true);
            expect((await order()).status).to.equal(201);
        });

        it("verify --chaos timeout on npm run dev: inventory, waiting 20 s, is answered 504 at the 1 s route timeout", async () => {
            const started = Date.now();
            const { answers } = await scenario("timeout", 3_000);
            expect(Object.keys(answers)).to.deep.equal(["504"]);
            // Each answer came at the route timeout: about 3 of them in 3 s, none after 20 s.
            expect(answers["504"]).to.be.within(2, 5);
            expect(Date.now() - started, "well before the 20 s delay").to.be.below(15_000);
        });

        it("drives a control by URL (as after kubectl port-forward), which names its service and version", async () => {
            const payment = stack.instances.find((i) => i.service === "payment")!;
            const { code, lines } = await chaos("--list", "--control", payment.chaosUrl!);
            expect(code).to.equal(0);
            expect(lines).to.deep.equal([`payment v1 ${payment.chaosUrl}: no chaos`]);
            // --version filters port-forwarded controls by the version they report.
            expect((await chaos("--list", "--version", "v2", "--control", payment.chaosUrl!)).code).to.equal(1);
        });
    });
});
