import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ConfigError } from "../config/load";
import { diffPlans, PROJECT_TYPE, STATEFUL_TYPES } from "../plan/diff";
import { renderDiff } from "../plan/render";
import { checkUrns, planUrns, urnProblems } from "../plan/urns";
import { FIXTURE_DIR, PROJECT_DIR, planStack } from "./harness";
import { scratch, type Yaml } from "./scratch";

/** A project renamed in config (`previousNames`) keeps its resources: an update, never a delete. */

const NS = "databricks-mlops";
const NEW_NAME = "renamed-proj";
const STACK = "prod";

/** The first project of the fixture's shared file. */
const OLD_NAME = (parse(fs.readFileSync(path.join(FIXTURE_DIR, "shared.yaml"), "utf8")) as Yaml).projects[0]
    .name as string;

/**
 * The project renamed in the shared file and in every stack's overrides; `previousNames` as
 * given. With previous names the project also pins its serving endpoint's old name in each stack
 * (`serving.endpointName`), as a rename that keeps its endpoint must (tests/liveGuard.test.ts).
 */
function renamed(previousNames?: string[]): string {
    const renameOverride = (c: Yaml) => {
        const overrides = (c[`${NS}:projectOverrides`] ??= {}) as Yaml;
        if (overrides[OLD_NAME]) {
            overrides[NEW_NAME] = overrides[OLD_NAME];
            delete overrides[OLD_NAME];
        }
        if (previousNames) {
            const own = (overrides[NEW_NAME] ??= {}) as Yaml;
            own.serving = { ...own.serving, endpointName: `${OLD_NAME}-api-${c[`${NS}:environment`]}` };
        }
    };
    return scratch({
        shared: (s) => {
            s.projects[0].name = NEW_NAME;
            if (previousNames) s.projects[0].previousNames = previousNames;
        },
        stacks: { dev: renameOverride, prod: renameOverride, "azure-dev": renameOverride },
    });
}

const run = promisify(execFile);

describe("a project renamed in config", () => {
    it("with previousNames: every stateful resource is the same one, nothing is deleted", async () => {
        const base = (await planStack(STACK)).doc;
        const head = (await planStack(STACK, { projectDir: renamed([OLD_NAME]) })).doc;
        expect(head.steps.some((s) => s.newState.type === PROJECT_TYPE && s.urn.endsWith(`::${NEW_NAME}`))).toBe(true);
        const diff = diffPlans(base, head);
        expect(diff.destructive).toEqual([]);
        expect(diff.steps.filter((s) => s.op === "delete" || s.op === "create").map((s) => s.urn)).toEqual([]);
        // Its model, experiment and schema are compared with their old state, not recreated.
        const stateful = diff.steps.filter(
            (s) => STATEFUL_TYPES.has(s.newState?.type ?? "") && s.urn.includes(`::${NEW_NAME}-`),
        );
        expect(stateful.length).toBeGreaterThan(0);
        for (const s of stateful) expect(s.oldState?.urn).toMatch(new RegExp(`::${OLD_NAME}-[^:]+$`));
        // The committed URN list of the old name still holds: the engine finds each old URN.
        expect(checkUrns(planUrns(base), head).missing).toEqual([]);
    });

    it("without previousNames: the same objects are reported, with the config key that keeps them", async () => {
        const base = (await planStack(STACK)).doc;
        const head = (await planStack(STACK, { projectDir: renamed() })).doc;
        const diff = diffPlans(base, head);
        const types = diff.destructive.map((d) => d.type);
        expect(types).toEqual(
            expect.arrayContaining([
                "databricks:index/registeredModel:RegisteredModel",
                "databricks:index/mlflowExperiment:MlflowExperiment",
                "databricks:index/schema:Schema",
            ]),
        );
        for (const d of diff.destructive) {
            expect(d.reason).toContain(`keep it with previousNames: [${OLD_NAME}] in project ${NEW_NAME}`);
        }
        const text = renderDiff(diff, STACK, "base.json", false);
        expect(text).toContain(`    project ${OLD_NAME} is now ${NEW_NAME}: to keep its resources`);
        expect(text).toContain(`      - name: ${NEW_NAME}\n        previousNames: [${OLD_NAME}]\n`);
        // The URN guard says the same.
        expect(urnProblems("prod.txt", checkUrns(planUrns(base), head))).toContain(
            `    If project ${OLD_NAME} was renamed in config, list its old name in the new project's config:\n      previousNames: [${OLD_NAME}]\n`,
        );
    });

    it("refuses a previous name that is another project's", async () => {
        const dir = scratch({
            shared: (s) => {
                s.projects[0].previousNames = [s.projects[0].name];
            },
        });
        await expect(planStack(STACK, { projectDir: dir })).rejects.toThrow(ConfigError);
        await expect(planStack(STACK, { projectDir: dir })).rejects.toThrow(
            `shared.yaml: projects[0].previousNames[0]: expected a name no other project has or had, found "${OLD_NAME}", the project's own name`,
        );
    });

    it("plans with --base <plan.json> --fail-on-destroy and exit 0", { timeout: 180_000 }, async () => {
        const base = path.join(renamed([OLD_NAME]), "base.json");
        fs.writeFileSync(base, JSON.stringify((await planStack(STACK, { user: "dev.user@example.com" })).doc));
        const dir = path.dirname(base);
        const args = ["plan/launch.cjs", "--stack", STACK, "--project-dir", dir, "--base", base, "--fail-on-destroy"];
        const { stdout } = await run(process.execPath, args, {
            cwd: PROJECT_DIR,
            env: { ...process.env, NO_COLOR: "1" },
        });
        expect(stdout).not.toContain("Destructive changes");
        expect(stdout).not.toMatch(/to delete/);
    });
});
