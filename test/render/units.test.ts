// Small modules on their own: argument parsing, field diff, secret masking, YAML output.
import { expect } from "chai";
import { parseRenderArgs, UsageError } from "../../tools/render/args";
import { diffValues } from "../../tools/render/compare";
import { toYaml } from "../../tools/render/manifests";
import { maskSecrets, maskSensitive } from "../../tools/render/model";
import { formatChange } from "../../tools/render/report";

describe("render units", () => {
    it("parses repeatable --set and the other flags", () => {
        expect(parseRenderArgs(["--stack", "prod", "--set", "a.b=1", "--set=c=true", "--json", "--compare", "out/prod"])).to.deep.equal({
            help: false,
            stack: "prod",
            out: undefined,
            sets: ["a.b=1", "c=true"],
            compare: "out/prod",
            json: true,
        });
    });

    it("rejects unknown flags, positionals, a missing --stack and a --set without '='", () => {
        expect(() => parseRenderArgs(["--stack", "prod", "--bogus"])).to.throw(UsageError, /--bogus/);
        expect(() => parseRenderArgs(["prod"])).to.throw(UsageError);
        expect(() => parseRenderArgs(["--json"])).to.throw(UsageError, /--stack/);
        expect(() => parseRenderArgs(["--stack", "prod", "--set", "weight"])).to.throw(UsageError, /key\.path=value/);
    });

    it("diffs nested objects and arrays with readable paths", () => {
        const changes = diffValues(
            { spec: { http: [{ route: [{ weight: 90 }, { weight: 10 }] }], labels: { "app.kubernetes.io/name": "a" } } },
            { spec: { http: [{ route: [{ weight: 75 }, { weight: 25 }, { weight: 0 }] }], labels: {} } },
            "",
        );
        expect(changes.map(formatChange)).to.deep.equal([
            'spec.http[0].route[0].weight: 90 → 75',
            'spec.http[0].route[1].weight: 10 → 25',
            'spec.http[0].route[2]: (none) → {"weight":0}',
            'spec.labels["app.kubernetes.io/name"]: "a" → (none)',
        ]);
    });

    it("matches lists of named items by name: an inserted route is one addition", () => {
        const route = (name: string, weight: number) => ({ name, route: [{ weight }] });
        const changes = diffValues({ http: [route("pinned", 100), route("default", 90)] }, { http: [route("pinned", 100), route("faults", 100), route("default", 75)] }, "");
        expect(changes.map(formatChange)).to.deep.equal([
            "http[name=default].route[0].weight: 90 → 75",
            'http[name=faults]: (none) → {"name":"faults","route":[{"weight":100}]}',
        ]);
    });

    it("masks Pulumi secrets keeping their shape, and secret data by its place", () => {
        const wrapped = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: { URL: "postgres://x" } };
        expect(maskSecrets({ stringData: wrapped, keep: 1 })).to.deep.equal({ stringData: { URL: "[secret]" }, keep: 1 });
        expect(maskSensitive("kubernetes:core/v1:Secret", { stringData: { URL: "postgres://x" }, metadata: { name: "db" } })).to.deep.equal({
            stringData: { URL: "[secret]" },
            metadata: { name: "db" },
        });
        expect(maskSensitive("pulumi:providers:kubernetes", { kubeconfig: "apiVersion: v1", context: "kind" })).to.deep.equal({ kubeconfig: "[secret]", context: "kind" });
    });

    it("writes YAML with sorted keys and no anchors for repeated objects", () => {
        const shared = { app: "x" };
        expect(toYaml({ b: shared, a: shared })).to.equal("a:\n  app: x\nb:\n  app: x\n");
    });
});
