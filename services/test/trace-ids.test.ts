import { expect } from "chai";
import { startServerSpan } from "../src/runtime/tracing";

describe("trace ids made up for requests that bring none", () => {
    it("are well-formed and all different, also past a refill of the random pool", () => {
        // 1000 requests take 24 000 random bytes: several refills of the 4 KiB pool.
        const spans = Array.from({ length: 1000 }, () => startServerSpan("GET /api/products", {}).span.spanContext());
        expect(spans.every((s) => /^[0-9a-f]{32}$/.test(s.traceId) && /^[0-9a-f]{16}$/.test(s.spanId))).to.equal(true);
        expect(new Set(spans.map((s) => s.traceId)).size).to.equal(1000);
        expect(new Set(spans.map((s) => s.spanId)).size).to.equal(1000);
    });

    it("keep an incoming trace instead of making one up", () => {
        const traceId = "0af7651916cd43dd8448eb211c80319c";
        const trace = startServerSpan("GET /api/products", { traceparent: `00-${traceId}-b7ad6b7169203331-01` });
        expect(trace.traceId).to.equal(traceId);
    });
});
