// Mocha's spec output, closed by one plain line CI reads: "<label>: N passed, N failed".
"use strict";
const Mocha = require("mocha");

class SummaryReporter extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        const label = (options.reporterOptions && options.reporterOptions.label) || "tests";
        runner.once("end", () => {
            const { passes, failures } = runner.stats;
            process.stdout.write(`\n${label}: ${passes} passed, ${failures} failed\n`);
        });
    }
}

module.exports = SummaryReporter;
