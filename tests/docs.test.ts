import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { settingsSchema } from "../config/schema";
import { PROJECT_SETTINGS, STACK_SETTINGS } from "../config/scopes";
import { CONFIG_REFERENCE, checkedFiles, configReference, outputBlocks, rows, withOutputs } from "../scripts/docs";

/** The docs that cannot go stale: the generated configuration reference and the checked example outputs. */

describe("the configuration reference (docs/configuration.md)", () => {
    it("is what `npm run docs:config` generates from the schema now", async () => {
        expect(fs.readFileSync(CONFIG_REFERENCE, "utf8"), "stale: run npm run docs:config").toBe(
            await configReference(),
        );
    });

    it("lists every setting with its scope, and every key has a description", () => {
        const text = fs.readFileSync(CONFIG_REFERENCE, "utf8");
        for (const s of [...STACK_SETTINGS, ...PROJECT_SETTINGS]) {
            const key = s.path.join(".");
            expect(text, key).toMatch(
                new RegExp(`\\| \`${key.replace(/\./g, "\\.")}\`\\s+\\|[^\\n]*\\| ${s.scope}\\s+\\|`),
            );
        }
        const undescribed = rows(settingsSchema, "", undefined).filter((r) => r.description === "");
        expect(undescribed.map((r) => r.key)).toEqual([]);
    });
});

describe("checked example outputs", () => {
    it("are found after their marker (a blank line between), never inside a fenced example", () => {
        const text = [
            "<!-- output: echo a -->",
            "",
            "```text",
            "old",
            "```",
            "~~~markdown",
            "<!-- output: echo b -->",
            "```text",
            "```",
            "~~~",
            "<!-- output: echo c -->",
            "```",
            "```",
            "",
        ].join("\n");
        expect(outputBlocks(text).map((b) => [b.command, b.content])).toEqual([
            ["echo a", "old\n"],
            ["echo c", ""],
        ]);
        expect(withOutputs(text, (c) => `${c.slice(5)}!\n`)).toBe(
            text
                .replace("old\n", "a!\n")
                .replace("<!-- output: echo c -->\n```\n", "<!-- output: echo c -->\n```\nc!\n"),
        );
    });

    it.each(checkedFiles().map((f) => [path.basename(f), f]))(
        "of %s are what their commands print now (npm run docs:update rewrites them)",
        { timeout: 600_000 },
        (_name, file) => {
            const text = fs.readFileSync(file, "utf8");
            expect(withOutputs(text), "stale: run npm run docs:update").toBe(text);
        },
    );
});

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as dashes. */
function anchor(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replace(/ /g, "-");
}

describe("links between the pages", () => {
    it.each(checkedFiles().map((f) => [path.relative(path.dirname(CONFIG_REFERENCE), f), f]))(
        "of %s name files and headings that exist",
        (_name, file) => {
            const text = fs.readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
            const broken: string[] = [];
            for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
                const target = m[1];
                if (/^[a-z]+:/.test(target)) continue;
                const [rel, hash] = target.split("#");
                const dest = rel === "" ? file : path.resolve(path.dirname(file), rel);
                if (!fs.existsSync(dest)) {
                    broken.push(`${target}: no such file`);
                    continue;
                }
                if (hash && dest.endsWith(".md")) {
                    const headings = [...fs.readFileSync(dest, "utf8").matchAll(/^#+ (.+)$/gm)].map((h) =>
                        anchor(h[1]),
                    );
                    if (!headings.includes(hash)) broken.push(`${target}: no such heading`);
                }
            }
            expect(broken).toEqual([]);
        },
    );

    it("the README is a front door: short, linking every task page", () => {
        const readme = fs.readFileSync(path.join(path.dirname(CONFIG_REFERENCE), "..", "README.md"), "utf8");
        expect(readme.split("\n").length).toBeLessThanOrEqual(250);
        for (const page of fs.readdirSync(path.dirname(CONFIG_REFERENCE)).filter((f) => f.endsWith(".md"))) {
            expect(readme, page).toContain(`(docs/${page}`);
        }
        expect(readme).not.toMatch(/\bseeds?\b/i);
    });
});
