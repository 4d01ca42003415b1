// `npm run loadgen -- --target <url> --duration <s> --users <n>`: progress on stderr,
// the summary table and the money invariants' check on stdout. Exit 2 on bad flags, 1 when
// no request got an answer or an invariant is broken.
import { UsageError } from "../dev/errors";
import { defaultIssuerDir, openDevIssuer } from "../dev/issuer";
import { parseLoadArgs, usage } from "./args";
import { findDatabase } from "./database";
import { formatMoneyCheck, settleMs, watchMoney } from "./money";
import { formatSummary } from "./report";
import { runLoad } from "./run";
import { networkError } from "./stats";


async function main(): Promise<number> {
    let options;
    try {
        options = parseLoadArgs(process.argv.slice(2));
    } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        process.stderr.write(`loadgen: ${err.message}\n${usage}\n`);
        return 2;
    }
    process.stderr.write(`loadgen: ${options.users} users against ${options.target} for ${options.durationSeconds}s\n`);
    // Shoppers sign in with the development issuer, which `npm run dev` and the local stack trust.
    let issuer;
    try {
        issuer = await openDevIssuer(process.env.DEV_ISSUER_DIR ?? defaultIssuerDir());
    } catch (err) {
        process.stderr.write(`loadgen: cannot open the development issuer: ${(err as Error).message}\n`);
        return 1;
    }
    const log = (line: string) => process.stderr.write(`loadgen: ${line}\n`);
    const money = await watchMoney(findDatabase(options.database, options.target), log);
    const result = await runLoad(options, { progress: (line) => process.stderr.write(`${line}\n`), mintToken: (subject) => issuer.mint(subject) });
    const check = await money.finish(settleMs);
    process.stdout.write(`${formatSummary(result)}\n${formatMoneyCheck(check)}\n`);
    if (check.checked && check.broken.length > 0) return 1;
    const answered = [...result.stats.routes.values()].some((route) => route.requests > (route.statuses.get(networkError) ?? 0));
    return answered ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (err) => {
        process.stderr.write(`loadgen: ${err?.stack ?? err}\n`);
        process.exit(1);
    },
);
