// One supervised child process: its output is kept (last lines) for crash reports, and it
// runs in its own process group so a terminal Ctrl-C reaches only the orchestrator, which
// then stops children in order (services drain before their database goes away).
import { spawn, type ChildProcess } from "node:child_process";

export interface ChildSpec {
    /** Label used in progress and crash messages, e.g. "product v2". */
    readonly name: string;
    readonly command: string;
    readonly args: readonly string[];
    readonly env?: NodeJS.ProcessEnv;
    readonly uid?: number;
    readonly gid?: number;
    /** Copy the child's output, prefixed with its name, to this process's stderr. */
    readonly echo?: boolean;
    /** Sees every output line, e.g. to wait for a "listening" line. */
    readonly onLine?: (line: string) => void;
}

export interface Exit {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
}

const tailLines = 30;

export class Child {
    readonly name: string;
    readonly exited: Promise<Exit>;
    private readonly process: ChildProcess;
    private readonly tail: string[] = [];
    private exit: Exit | undefined;
    private stopping = false;

    constructor(spec: ChildSpec) {
        this.name = spec.name;
        this.process = spawn(spec.command, spec.args, {
            env: spec.env,
            uid: spec.uid,
            gid: spec.gid,
            detached: true,
            stdio: ["ignore", "pipe", "pipe"],
        });
        this.exited = new Promise((resolve) => {
            const settle = (exit: Exit) => {
                this.exit ??= exit;
                resolve(this.exit);
            };
            // "error" covers spawn failures (missing binary), which may never emit "close".
            this.process.once("error", (err) => {
                this.remember(`spawn failed: ${err.message}`, false);
                settle({ code: 127, signal: null });
            });
            // "close" rather than "exit": it waits for the output pipes, so a crash's last words are in the tail.
            this.process.once("close", (code, signal) => settle({ code, signal }));
        });
        for (const stream of [this.process.stdout, this.process.stderr]) {
            let partial = "";
            stream?.setEncoding("utf8").on("data", (chunk: string) => {
                const lines = (partial + chunk).split("\n");
                partial = lines.pop() ?? "";
                for (const line of lines) {
                    this.remember(line, spec.echo ?? false);
                    spec.onLine?.(line);
                }
            });
        }
    }

    get pid(): number | undefined {
        return this.process.pid;
    }

    get running(): boolean {
        return this.exit === undefined;
    }

    /** True once stop() was called, so an exit is expected rather than a crash. */
    get stopRequested(): boolean {
        return this.stopping;
    }

    /** The last lines the child printed, for crash reports. */
    lastLines(): string {
        return this.tail.map((line) => `    ${line}`).join("\n");
    }

    describeExit(): string {
        if (!this.exit) return `${this.name} is running`;
        const how = this.exit.signal ? `signal ${this.exit.signal}` : `code ${this.exit.code}`;
        return `${this.name} exited with ${how}`;
    }

    /**
     * SIGTERM, then SIGKILL if it is still running after `graceMs`. Resolves with the exit,
     * whether it had to be killed, and whether it was still running when asked to stop.
     */
    async stop(graceMs: number): Promise<Exit & { killed: boolean; wasRunning: boolean }> {
        const wasRunning = this.running && !this.stopping;
        this.stopping = true;
        if (!this.running) return { ...(await this.exited), killed: false, wasRunning };
        this.signal("SIGTERM", this.process.pid);
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), graceMs)));
        const first = await Promise.race([this.exited, timedOut]);
        clearTimeout(timer);
        if (first !== "timeout") return { ...first, killed: false, wasRunning };
        this.signal("SIGKILL", this.group);
        return { ...(await this.exited), killed: true, wasRunning };
    }

    /** Last resort for an orchestrator that is dying: synchronous, no waiting. */
    kill(): void {
        if (this.running) this.signal("SIGKILL", this.group);
    }

    // SIGTERM goes to the child alone (PostgreSQL's own workers must only hear from their
    // postmaster); SIGKILL goes to the whole group so nothing the child spawned survives it.
    private get group(): number | undefined {
        return this.process.pid === undefined ? undefined : -this.process.pid;
    }

    private signal(signal: NodeJS.Signals, target: number | undefined): void {
        if (target === undefined) return;
        try {
            process.kill(target, signal);
        } catch {
            // Already gone between the check and the signal.
        }
    }

    private remember(line: string, echo: boolean): void {
        this.tail.push(line);
        if (this.tail.length > tailLines) this.tail.shift();
        if (echo) process.stderr.write(`[${this.name}] ${line}\n`);
    }
}
