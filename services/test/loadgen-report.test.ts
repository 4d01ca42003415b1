import { expect } from "chai";
import { formatSummary } from "../loadgen/report";
import { LoadStats } from "../loadgen/stats";

describe("the load generator's summary", () => {
    it("says how many answers the edge's rate limit refused, when it refused any", () => {
        const stats = new LoadStats();
        for (let i = 0; i < 3; i++) stats.record("GET /api/products", 200, 2);
        stats.record("GET /api/products", 429, 1);
        const summary = formatSummary({ stats, elapsedSeconds: 1 });
        expect(summary).to.contain("rate limited: 1 of 4 answers were 429 from the edge's rate limit");
    });

    it("says nothing of a rate limit when every answer got through", () => {
        const stats = new LoadStats();
        stats.record("GET /api/products", 200, 2);
        expect(formatSummary({ stats, elapsedSeconds: 1 })).to.not.contain("rate limited");
    });
});
