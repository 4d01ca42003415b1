// Mocha's spec reporter plus one closing line, `services: N passed, N failed`, which CI
// reads as the count of this suite. Plain JS because mocha loads reporters before the TypeScript hook.
"use strict";
const Mocha = require("mocha");

const { EVENT_RUN_END, EVENT_TEST_PASS, EVENT_TEST_FAIL } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        let passed = 0;
        let failed = 0;
        runner.on(EVENT_TEST_PASS, () => passed++);
        // Hook failures count too: a broken before() fails the tests it guards.
        runner.on(EVENT_TEST_FAIL, () => failed++);
        // Registered after Spec's own end handler, so this prints after its summary.
        runner.once(EVENT_RUN_END, () => process.stdout.write(`services: ${passed} passed, ${failed} failed\n`));
    }
}

module.exports = SummaryReporter;
