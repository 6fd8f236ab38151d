import * as fs from "node:fs";
import { DEFAULT_RUNTIME, unsupportedRuntimeMessage } from "../config/runtimes";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importBundle } from "../bundle/cli";
import { buildPlan } from "../plan/plan";
import { program } from "../program";
import { compare } from "./dabCompare";
import { cliPresent, cliRequired, FixtureWorkspace, USERS } from "./dabValidate";
import { sharedPath } from "./shared";

/**
 * Real ML projects, imported, against the Databricks CLI's own resolution of every target
 * (`databricks bundle validate -o json -t <target>`): the mlops-stacks renders of
 * ../shared/bundles (Unity Catalog with and without a feature store, the workspace model registry,
 * bundle-examples' own render). Per target, each job's name, schedule and pause state, concurrency,
 * run_as, permissions, tags, tasks (dependencies, notebooks, parameters, conditions) and cluster,
 * the experiment's name and permissions, the registered model's name, comment and grants, and the
 * schemas the stack declares, equal the CLI's, but for the deliberate differences listed here.
 * A development target is validated and planned as a developer, every other one as CI's service
 * principal (mlops-stacks deploys staging, prod and test from CI, with no run_as).
 */

const BUNDLES = sharedPath("bundles");
const MLOPS = fs.existsSync(BUNDLES)
    ? fs
          .readdirSync(BUNDLES)
          .filter((d) => d.includes("mlops"))
          .sort()
    : [];

/** What differs on purpose: the compared setting (a pattern over `<target> <resource> <setting>`), and why. */
const DELIBERATE: { bundle?: RegExp; setting: RegExp; why: string }[] = [
    {
        setting: / permissions$/,
        why: "the program gives every resource of a project one set of groups (managerGroups, runnerGroups, viewerGroups): a group the bundle lets read one resource reads them all (here `account users`, which the bundle grants EXECUTE on the model, also views the jobs and reads the experiment)",
    },
    {
        bundle: /aws/,
        setting: / cluster$/,
        why: "the program runs on Azure Databricks: an AWS node type (i3.xlarge) becomes the stack's Azure node type, reported",
    },
    {
        bundle: /wsreg/,
        setting: /^\S+ schemas declared$/,
        why: "a workspace-registry model (resources.models) has no place in the program, which keeps models in Unity Catalog: it declares its own schema and model, reported",
    },
];

/**
 * A cluster that differs only in its runtime, where the bundle's runtime has no tested local
 * environment: the import keeps the stack's supported default and reports it (bundle/map.ts), as
 * the config refuses a runtime the workloads were never run on (config/runtimes.ts).
 */
function sameButUnsupportedRuntime(dab: unknown, plan: unknown): boolean {
    if (!Array.isArray(dab) || !Array.isArray(plan) || dab.length !== plan.length) return false;
    const [dabRuntime, ...dabRest] = dab as unknown[];
    const [planRuntime, ...planRest] = plan as unknown[];
    return (
        typeof dabRuntime === "string" &&
        unsupportedRuntimeMessage(dabRuntime) !== undefined &&
        planRuntime === DEFAULT_RUNTIME &&
        JSON.stringify(dabRest) === JSON.stringify(planRest)
    );
}

let workspace: FixtureWorkspace;
beforeAll(async () => {
    workspace = new FixtureWorkspace();
    await workspace.start();
});
afterAll(() => workspace.stop());

const skip = MLOPS.length === 0 || (!cliPresent && !cliRequired);
const why =
    MLOPS.length === 0
        ? ": skipped, no ../shared/bundles beside this checkout"
        : !cliPresent && !cliRequired
          ? ": skipped, no Databricks CLI in .tools/bin (npm run build:databricks-cli)"
          : "";

describe.skipIf(skip)(`imported mlops-stacks projects against the CLI's resolution${why}`, () => {
    it.each(MLOPS)(
        "%s: every target equals `bundle validate`, but for the listed deliberate differences",
        async (name) => {
            const dir = path.join(BUNDLES, name);
            const out = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-targets-"));
            const outcome = await importBundle({ bundleDir: dir, out, states: {}, user: USERS.developer.userName });
            expect(outcome.exitCode, outcome.error).toBe(0);
            const project = String(outcome.result?.project);
            const targets = [...(outcome.result?.stacks.keys() ?? [])];
            expect(targets.length).toBeGreaterThan(1);
            const differences: string[] = [];
            let compared = 0;
            for (const target of targets) {
                const user = target === "dev" ? USERS.developer : USERS.ci;
                const dab = await workspace.validate(dir, target, user);
                const doc = await buildPlan(program, { projectDir: out, stack: target, currentUser: user.userName });
                const c = compare(dab, doc, project);
                for (const key of Object.keys(c.dab)) {
                    compared++;
                    if (JSON.stringify(c.dab[key]) === JSON.stringify(c.plan[key])) continue;
                    if (sameButUnsupportedRuntime(c.dab[key], c.plan[key])) continue;
                    const setting = `${target} ${key}`;
                    if (DELIBERATE.some((d) => (d.bundle?.test(name) ?? true) && d.setting.test(setting))) continue;
                    differences.push(
                        `${setting}: the CLI resolves ${JSON.stringify(c.dab[key])}, the plan has ${JSON.stringify(c.plan[key])}`,
                    );
                }
            }
            expect(compared).toBeGreaterThan(20);
            expect(differences).toEqual([]);
        },
        240_000,
    );
});
