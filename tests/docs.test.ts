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
