// The push credential: ACR's token exchange, retried while a same-run AcrPush grant propagates.
import { expect } from "chai";
import { exchangeForAcrToken } from "../../components/serviceImages";

const answer = (status: number, body: unknown = {}) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

function scripted(...answers: Response[]) {
    const calls: string[] = [];
    const fetchFn = (async (url: string | URL | Request) => {
        calls.push(String(url));
        return answers.shift() ?? answer(500);
    }) as typeof fetch;
    return { calls, fetchFn };
}

describe("ACR token exchange (components/serviceImages.ts)", () => {
    const wait = { attempts: 3, delayMs: 30_000 };

    it("waits out 401/403 while the AcrPush grant applies, then returns the refresh token", async () => {
        const { calls, fetchFn } = scripted(answer(403), answer(401), answer(200, { refresh_token: "r1" }));
        const slept: number[] = [];
        const logged: string[] = [];
        const token = await exchangeForAcrToken("reg.azurecr.io", "entra", { fetchFn, sleep: async (ms) => void slept.push(ms), wait, log: (m) => logged.push(m) });
        expect(token).to.equal("r1");
        expect(calls).to.deep.equal(Array(3).fill("https://reg.azurecr.io/oauth2/exchange"));
        expect(slept).to.deep.equal([30_000, 30_000]);
        expect(logged[0]).to.match(/HTTP 403\): waiting for the AcrPush grant to apply, attempt 1 of 3/);
    });

    it("gives up after the bounded wait, naming the grant and the private endpoint", async () => {
        const { calls, fetchFn } = scripted(answer(403), answer(403), answer(403), answer(200, { refresh_token: "late" }));
        const failure = await exchangeForAcrToken("reg.azurecr.io", "entra", { fetchFn, sleep: async () => undefined, wait, log: () => undefined }).catch((error: Error) => error);
        expect(calls.length).to.equal(3);
        expect(String(failure)).to.match(/HTTP 403\) after 3 attempts over 1 min waiting for the AcrPush grant to apply; does the deployer have AcrPush/);
    });

    it("fails at once on an answer that no wait mends (500), and on a 200 without a token", async () => {
        const server = scripted(answer(500));
        expect(String(await exchangeForAcrToken("reg.azurecr.io", "entra", { fetchFn: server.fetchFn, sleep: async () => undefined, wait }).catch((e: Error) => e))).to.contain("(HTTP 500);");
        expect(server.calls.length).to.equal(1);
        const empty = scripted(answer(200, {}));
        expect(String(await exchangeForAcrToken("reg.azurecr.io", "entra", { fetchFn: empty.fetchFn, sleep: async () => undefined, wait }).catch((e: Error) => e))).to.contain("without a refresh_token");
    });
});
