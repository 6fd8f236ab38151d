import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { resetIgnored } from "../plan/ignoreChanges";
import { PROJECT_DIR, planStack } from "./harness";

/**
 * What the engine keeps of a resource's inputs (`ignoreChanges`, nested paths too), and inputs
 * the provider would warn about on every run.
 */

describe("resetIgnored, as the engine's ignoreChanges", () => {
    const old = { name: "e", config: { servedEntities: [{ v: "1" }], trafficConfig: { routes: [1] } } };
    it.each([
        [
            "a nested object is reset whole, its siblings follow the new inputs",
            { name: "e", config: { servedEntities: [{ v: "2" }], trafficConfig: { routes: [2] } } },
            ["config.trafficConfig"],
            { name: "e", config: { servedEntities: [{ v: "2" }], trafficConfig: { routes: [1] } } },
        ],
        [
            "a path the old inputs lack is removed from the new ones",
            { name: "e", tags: { a: "b" }, config: {} },
            ["tags"],
            { name: "e", config: {} },
        ],
        [
            "an indexed path",
            { name: "e", config: { servedEntities: [{ v: "9" }], trafficConfig: { routes: [1] } } },
            ["config.servedEntities[0].v"],
            old,
        ],
        ["a path whose parent is missing resets nothing", { name: "f" }, ["config.trafficConfig"], { name: "f" }],
    ])("%s", (_what, next, paths, expected) => {
        expect(resetIgnored(old, next, paths)).toEqual(expected);
    });
});

/** The provider schema beside the checkout, for reading deprecations; undefined where there is none. */
function providerSchema(): { resources: Record<string, { inputProperties?: Record<string, any> }> } | undefined {
    const candidates = [path.resolve(PROJECT_DIR, "..", "shared", "schemas")];
    const dotGit = path.join(PROJECT_DIR, ".git");
    if (fs.existsSync(dotGit) && fs.statSync(dotGit).isFile()) {
        const gitdir = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(dotGit, "utf8"))?.[1]?.trim();
        if (gitdir) candidates.push(path.resolve(gitdir, "..", "..", "..", "..", "shared", "schemas"));
    }
    const dir = candidates.find((d) => fs.existsSync(d));
    const file = dir && fs.readdirSync(dir).find((f) => /^databricks-[\d.]+\.schema\.json$/.test(f));
    return file ? JSON.parse(fs.readFileSync(path.join(dir as string, file), "utf8")) : undefined;
}
const SCHEMA = providerSchema();

describe.skipIf(!SCHEMA)(
    "inputs the Databricks provider deprecates (read from ../shared/schemas; skipped where it is absent)",
    () => {
        // Skipped where ../shared/schemas is not beside the checkout.
        it.each(["dev", "prod"])("%s declares none (the provider warns on every run)", async (stack) => {
            const run = await planStack(stack);
            const deprecated = run.doc.steps.flatMap((s) =>
                Object.keys(s.newState.inputs)
                    .filter((k) => SCHEMA?.resources[s.newState.type]?.inputProperties?.[k]?.deprecationMessage)
                    .map((k) => `${s.newState.type}.${k}`),
            );
            expect(deprecated).toEqual([]);
        });
    },
);
