import * as fs from "node:fs";
import * as path from "node:path";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { diffPlans } from "../plan/diff";
import { identityName, identityNames } from "../plan/identity";
import { mockedId } from "../plan/mocks";
import { buildPlan, type PlanDocument } from "../plan/plan";
import { localRunTarget } from "../scripts/localRunSpec";
import { fixtureCopy, planStack, serially, tempProject } from "./harness";
import type { Yaml } from "./scratch";

/**
 * The ids the mocks make up follow the object, not the name: the engine keeps an object and its
 * id through an alias (a project's `previousNames` too), so a rename replaces only what the
 * provider's own rules replace.
 */

const NS = "databricks-mlops";
const OLD = "ml-project";
const NEW = "renamed-proj";
const PERMISSIONS = "databricks:index/permissions:Permissions";
const JOB = "databricks:index/job:Job";

/** The fixture project renamed in the shared file and in prod's overrides; `previousNames` as given. */
function renamedFixture(previousNames: string[]): string {
    const dir = fixtureCopy();
    const sharedFile = path.join(dir, "shared.yaml");
    const shared = parse(fs.readFileSync(sharedFile, "utf8")) as Yaml;
    shared.projects[0].name = NEW;
    shared.projects[0].previousNames = previousNames;
    fs.writeFileSync(sharedFile, stringify(shared));
    const stackFile = path.join(dir, "Pulumi.prod.yaml");
    const stack = parse(fs.readFileSync(stackFile, "utf8")) as { config: Yaml };
    const overrides = stack.config[`${NS}:projectOverrides`] as Yaml;
    overrides[NEW] = overrides[OLD];
    delete overrides[OLD];
    fs.writeFileSync(stackFile, stringify(stack));
    return dir;
}

const logical = (urn: string) => urn.split("::").pop() as string;

describe("the identity name of a resource", () => {
    it.each<[string, string, string[], { name: string; identity: string } | undefined, string]>([
        ["no alias, no parent", "a-job", [], undefined, "a-job"],
        ["its first alias", "b-job", ["a-job", "z-job"], undefined, "a-job"],
        [
            "a parent renamed: the child's name starts with the parent's",
            "b-job",
            [],
            { name: "b", identity: "a" },
            "a-job",
        ],
        ["a parent renamed, the child named otherwise", "policy", [], { name: "b", identity: "a" }, "policy"],
        ["a parent not renamed", "b-job", [], { name: "b", identity: "b" }, "b-job"],
    ])("%s", (_what, name, aliases, parent, expected) => {
        expect(identityName(name, aliases, parent)).toBe(expected);
    });
});

describe("a project renamed with previousNames, against its base", () => {
    it("replaces only what the provider replaces: paths and the endpoint's name, never a permission of a kept object", async () => {
        const base = (await planStack("prod")).doc;
        const head = (await planStack("prod", { projectDir: renamedFixture([OLD]) })).doc;
        const diff = diffPlans(base, head);
        const replaced = diff.steps
            .filter((s) => s.op === "replace")
            .map((s) => `${logical(s.urn)}: ${(s.replaceReasons ?? []).join(",")}`);
        // Every replacement is forced by an input the rename itself changes (a path, the
        // endpoint's name) or by the id of an object that is replaced (the endpoint).
        for (const r of replaced) {
            expect(r).toMatch(
                new RegExp(
                    `^${NEW}-(code-.+: path|code-perms: directoryPath|endpoint: name|endpoint-perms: servingEndpointId)$`,
                ),
            );
        }
        expect(replaced).toContain(`${NEW}-endpoint-perms: servingEndpointId`);
        // The experiment's and the jobs' permissions keep their objects' ids.
        for (const name of ["experiment", "training", "inference", "retraining", "monitor-processing"]) {
            const step = diff.steps.find((s) => s.urn.endsWith(`$${PERMISSIONS}::${NEW}-${name}-perms`));
            expect(step?.op, `${NEW}-${name}-perms`).toBe("same");
        }
        // The retraining job still runs the training job by the id it had.
        const retraining = diff.steps.find((s) => s.urn.endsWith(`$${JOB}::${NEW}-retraining`));
        expect(Object.keys(retraining?.detailedDiff ?? {}).filter((p) => p.includes("runJobTask"))).toEqual([]);
        expect(diff.steps.filter((s) => s.op === "create" || s.op === "delete")).toEqual([]);
    });

    it("keeps the ids local-run gives the jobs equal to the ids the plan's references hold", async () => {
        const head = (await planStack("prod", { projectDir: renamedFixture([OLD]) })).doc;
        const target = localRunTarget(head, NEW, "prod");
        const training = target?.jobs.find((j) => j.role === "training");
        const retraining = target?.jobs.find((j) => j.role === "retraining");
        const runs = (retraining?.tasks ?? []).flatMap((t) => {
            const runJob = t.runJobTask as { jobId?: unknown } | undefined;
            return runJob ? [runJob.jobId] : [];
        });
        expect(training?.id).toBeDefined();
        expect(runs.map(String)).toEqual([training?.id]);
        // The id is the one the job had under its old name.
        const ids = identityNames(head.steps);
        const urn = head.steps.find((s) => s.urn.endsWith(`$${JOB}::${NEW}-training`))?.urn as string;
        expect(ids.get(urn)).toBe(`${OLD}-training`);
    });
});

/**
 * A small program: a component holding a job, an experiment and their permissions, under a name
 * and with aliases each test chooses.
 */
async function planBox(
    name: string,
    opts: pulumi.ComponentResourceOptions,
    experimentName: string,
    experimentOpts: pulumi.CustomResourceOptions,
): Promise<PlanDocument> {
    class Box extends pulumi.ComponentResource {
        constructor(n: string, o: pulumi.ComponentResourceOptions) {
            super("test:index:Box", n, {}, o);
            const job = new databricks.Job(`${n}-job`, { name: "the-job" }, { parent: this });
            new databricks.Permissions(
                `${n}-job-perms`,
                { jobId: job.id, accessControls: [{ groupName: "g", permissionLevel: "CAN_VIEW" }] },
                { parent: this },
            );
            const experiment = new databricks.MlflowExperiment(
                experimentName,
                { name: "/Shared/the-experiment" },
                { parent: this, ...experimentOpts },
            );
            new databricks.Permissions(
                `${n}-experiment-perms`,
                { experimentId: experiment.id, accessControls: [{ groupName: "g", permissionLevel: "CAN_READ" }] },
                { parent: this },
            );
            this.registerOutputs({});
        }
    }
    const program = async () => {
        new Box(name, opts);
        return {};
    };
    return serially(() =>
        buildPlan(program, { projectDir: tempProject("prod", {}), stack: "prod", currentUser: "u@example.com" }),
    );
}

describe("a component and a resource renamed with aliases", () => {
    it("change nothing: every resource keeps its object and its id", async () => {
        const base = await planBox("box", {}, "box-experiment", {});
        const head = await planBox("crate", { aliases: [{ name: "box" }] }, "crate-runs", {
            aliases: [{ name: "box-experiment" }],
        });
        const diff = diffPlans(base, head);
        expect(diff.renames).toEqual([]);
        expect(diff.steps.map((s) => `${s.op} ${logical(s.urn)}`).sort()).toEqual(
            [
                "same crate",
                "same crate-job",
                "same crate-job-perms",
                "same crate-runs",
                "same crate-experiment-perms",
                // The default provider.
                `same ${logical(base.steps.find((s) => s.urn.includes("::pulumi:providers:databricks::"))?.urn ?? "")}`,
                // The stack.
                "same databricks-mlops-prod",
            ].sort(),
        );
    });

    it("give an object a new id when an input the provider replaces on changes", async () => {
        const id = (identity: string, path: string) =>
            mockedId("databricks:index/notebook:Notebook", identity, { path, source: "a.py" });
        expect(id("nb", "/a")).toBe(id("nb", "/a"));
        expect(id("nb", "/a")).not.toBe(id("nb", "/b"));
        // An update in place keeps it.
        expect(mockedId(JOB, "j", { name: "a" })).toBe(mockedId(JOB, "j", { name: "b" }));
    });
});
