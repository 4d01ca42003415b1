// The README is the short way in and docs/ holds one guide per task: the README stays short,
// every link between them (and to the repository's files) resolves, headings included, and
// the component table names each component once.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";

const root = path.resolve(__dirname, "..", "..");
const pages = ["README.md", ...readdirSync(path.join(root, "docs"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".md")).map((f) => `docs/${f.split(path.sep).join("/")}`)];
const read = (page: string) => readFileSync(path.join(root, page), "utf8");

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string) => heading.replace(/^#+\s*/, "").trim().toLowerCase().replace(/[^\w\- ]/g, "").replace(/ /g, "-");
const anchorsOf = (page: string) => new Set(read(page).split("\n").filter((line) => /^#{1,6} /.test(line)).map(anchor));

describe("README and docs/", () => {
    it("keeps the README at most 250 lines", () => {
        expect(read("README.md").split("\n").length).to.be.at.most(250);
    });

    it("links only to files and headings that exist", () => {
        const broken: string[] = [];
        for (const page of pages) {
            for (const [, target] of read(page).matchAll(/\]\(([^)\s]+)\)/g)) {
                if (/^https?:/.test(target)) continue;
                const [file, hash] = target.split("#");
                const resolved = file ? path.normalize(path.join(path.dirname(page), file)) : page;
                if (!existsSync(path.join(root, resolved))) broken.push(`${page}: ${target} (no ${resolved})`);
                else if (hash !== undefined && resolved.endsWith(".md") && !anchorsOf(resolved).has(hash)) broken.push(`${page}: ${target} (no heading #${hash} in ${resolved})`);
            }
        }
        expect(broken).to.deep.equal([]);
    });

    it("lists every guide of docs/ in the README's guide table", () => {
        const readme = read("README.md");
        for (const page of pages.filter((p) => p.startsWith("docs/"))) expect(readme, page).to.contain(`| [${page}](${page}) |`);
    });

    it("names each component once in the README's component table, each a file of components/", () => {
        const names = read("README.md").split("\n").filter((line) => line.startsWith("| `")).map((line) => line.split("|")[1].trim().replace(/`/g, ""));
        expect(names.length).to.be.greaterThan(5);
        expect(names).to.deep.equal([...new Set(names)]);
        const sources = readdirSync(path.join(root, "components")).join(" ").toLowerCase();
        for (const name of names) expect(sources, name).to.contain(name.toLowerCase());
    });
});
