import { expect } from "chai";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { UsageError } from "../../dev/errors";
import { parseLoadArgs } from "../../loadgen/args";
import { runFromSources } from "../../dev/typescript";

describe("loadgen: command line", () => {
    it("reads target, duration and users, dropping a trailing slash", () => {
        expect(parseLoadArgs(["--target", "http://127.0.0.1:8080/", "--duration", "5", "--users", "3"])).to.deep.equal({
            target: "http://127.0.0.1:8080",
            durationSeconds: 5,
            users: 3,
        });
    });

    it("reads --database as a postgres URL", () => {
        expect(parseLoadArgs(["--target", "http://x", "--database", "postgresql://u@db:5432/shop"])).to.include({ database: "postgresql://u@db:5432/shop" });
    });

    it("defaults duration and users", () => {
        expect(parseLoadArgs(["--target=https://shop.example.com"])).to.include({ durationSeconds: 30, users: 10 });
    });

    const bad: Record<string, string[]> = {
        "missing target": ["--duration", "5"],
        "unknown flag": ["--target", "http://x", "--rps", "5"],
        "positional argument": ["http://x"],
        "flag without value": ["--target"],
        "not a URL": ["--target", "localhost:8080"],
        "non-http URL": ["--target", "ftp://x"],
        "zero users": ["--target", "http://x", "--users", "0"],
        "fractional duration": ["--target", "http://x", "--duration", "1.5"],
        "duration too long": ["--target", "http://x", "--duration", "3601"],
        "words for a number": ["--target", "http://x", "--users", "many"],
        "a database that is not PostgreSQL": ["--target", "http://x", "--database", "mysql://db/shop"],
    };
    for (const [what, argv] of Object.entries(bad)) {
        it(`rejects ${what} with a usage error`, () => {
            expect(() => parseLoadArgs(argv)).to.throw(UsageError);
        });
    }

    it("exits 2 with the usage on stderr when run with a bad flag", () => {
        const entry = path.resolve(__dirname, "..", "..", "loadgen", "main.ts");
        const run = spawnSync(process.execPath, [...runFromSources, entry, "--users", "3"], {
            encoding: "utf8",
            timeout: 15_000,
        });
        expect(run.status).to.equal(2);
        expect(run.stderr).to.contain("--target is required").and.to.contain("usage: npm run loadgen");
        expect(run.stdout).to.equal("");
    });
});
