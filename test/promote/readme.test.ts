// The README's "Verify a deploy" and "Promote a canary" sections state figures and defaults
// that live in code; these tests keep the two in step.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { canaryRollout } from "../../stacks/rollout";
import { usage as promoteUsage } from "../../tools/promote/args";
import { orderAttempts } from "../../tools/verify/checks";
import { usage as verifyUsage } from "../../tools/verify/args";
import { neighbourDistance, significance, splitSampleSize } from "../../tools/verify/stats";

const readme = readFileSync(path.join(__dirname, "..", "..", "docs", "canary.md"), "utf8");
/** From a heading to the next one of its level. */
const section = (heading: string) => {
    const start = readme.indexOf(heading);
    const end = readme.indexOf("\n## ", start + 1);
    return readme.slice(start, end < 0 ? undefined : end);
};
const verify = section("## Verify a deploy");
const promote = section("## Promote a canary");

describe("README: verify and promote", () => {
    it("states verify's statistics as the code applies them", () => {
        expect(verify).to.contain(`the weights ${neighbourDistance} points either\n  side (at least 400, ${splitSampleSize(10)} for 10%)`);
        expect(verify).to.contain(`binomial test at significance ${significance}`);
        expect(verify).to.contain(`up to ${orderAttempts} orders`);
    });

    it("states verify's bounds as its usage does", () => {
        expect(verifyUsage).to.contain("request budget (default 4000)");
        expect(verifyUsage).to.contain("time budget, e.g. 3m (default 5m)");
        expect(verify).to.contain("`--max-requests` (4000) and `--timeout` (5m)");
    });

    it("states promote's defaults as the schema applies them", () => {
        const a = canaryRollout.analysis;
        expect(promote).to.contain(`(default\n\`[${canaryRollout.steps.join(", ")}]\`)`);
        expect(promote).to.contain(`\`analysis.successRate\` (${a.successRate}%)`);
        expect(promote).to.contain(`\`analysis.maxP99\` (${a.maxP99})`);
        expect(promote).to.contain(`\`analysis.minRequests\` (${a.minRequests})`);
        expect(promoteUsage).to.contain("how long a step waits for minRequests (default 5 intervals)");
    });

    it("uses only flags the tools accept in its commands", () => {
        for (const [section, usage] of [[verify, verifyUsage], [promote, promoteUsage]]) {
            const flags = [...section.matchAll(/^npm run \w+ -- (.*)$/gm)].flatMap(([, args]) => [...args.matchAll(/--[a-z-]+/g)].map(([flag]) => flag));
            expect(flags.length).to.be.greaterThan(2);
            for (const flag of flags) expect(usage, flag).to.contain(`${flag} `);
        }
    });

    it("shows example output in the format the tools print (the end-to-end test asserts the same)", () => {
        expect(verify).to.match(/^product split v1\/v2 +FAIL +v2 \d+\/\d+ = \d+\.\d% \(binomial p = .+\) +50% at significance 0.01$/m);
        expect(promote).to.match(/^promote: 100%: pass: v2 \d+ requests, success 100.00%, p99 \d+ ms; v1 /m);
        expect(promote).to.contain("promote: finish the release: v2 is stable: services.product.canary.stable=v2, services.product.canary.canary=v1, services.product.canary.weight=0");
        expect(promote).to.match(/^promote: rolled back to 0: check successRate failed \(success rate \d+\.\d\d% < 99%\); services.product.canary.stable is still v1$/m);
    });

    it("compares with Flagger and Argo Rollouts in one table", () => {
        expect(promote).to.match(/^\| \| Flagger \| Argo Rollouts \| `npm run promote` \|$/m);
        expect(promote).to.match(/^\| in the cluster \|/m);
    });
});
