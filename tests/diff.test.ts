import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { planBeside } from "../plan/base";
import { changedPaths, diffPlans } from "../plan/diff";
import type { PlanDocument } from "../plan/plan";
import {
    PROCESS_TEST_TIMEOUT,
    PROJECT_DIR,
    planCli,
    planStack,
    spawnCli,
    stackFileConfig,
    tempDir,
    tempProject,
} from "./harness";

const run = promisify(execFile);
const NS = "databricks-mlops";

/** The example prod stack with an A/B split, a new cron and a renamed model. */
function changedProd(): string {
    const config = structuredClone(stackFileConfig("prod")) as Record<string, any>;
    const [p] = config[`${NS}:projects`];
    p.serving.routes = [
        { version: "1", trafficPercentage: 80 },
        { version: "2", trafficPercentage: 20 },
    ];
    p.inference.cron = "0 30 * * * ?";
    p.modelName = "churn_model";
    return tempProject("prod", config);
}

function savedPlan(doc: PlanDocument): string {
    const file = path.join(tempDir("mlops-base-json-"), "base.json");
    fs.writeFileSync(file, JSON.stringify(doc));
    return file;
}

describe("changed paths", () => {
    it("names each changed leaf the way Pulumi's detailed diff does", () => {
        const paths = changedPaths(
            { a: 1, b: { c: [1, 2] }, d: "x", e: { f: 1 } },
            { a: 2, b: { c: [1, 3, 4] }, e: { f: 1 }, g: true },
        );
        expect([...paths]).toEqual([
            ["a", "update"],
            ["b.c[1]", "update"],
            ["b.c[2]", "add"],
            ["d", "delete"],
            ["g", "add"],
        ]);
    });
});

describe("the diff of two plans", () => {
    it("shows exactly the changed resources and properties; a renamed model is a destructive replace", async () => {
        const base = (await planStack("prod", { modelVersions: ["1", "2"] })).doc;
        const head = (await planStack("prod", { projectDir: changedProd(), modelVersions: ["1", "2"] })).doc;
        const diff = diffPlans(base, head);
        const changed = diff.steps.filter((s) => s.op !== "same").map((s) => [s.op, s.urn.split("::").pop()]);
        // In the plan's order, which follows dependencies; compared sorted.
        expect(changed.map((c) => c.join(" ")).sort()).toEqual(
            [
                "replace ml-project-model",
                // The grants follow the model to its new name: a different securable, so a new resource.
                "replace ml-project-model-grants",
                "update ml-project-endpoint",
                "update ml-project-inference",
                "update ml-project-training",
                // An endpoint that splits traffic gets the A/B analysis (component, query, permissions).
                "create ml-project-ab-analysis",
                "create ml-project-ab-analysis",
                "create ml-project-ab-analysis-perms",
            ].sort(),
        );
        const model = diff.steps.find((s) => s.urn.endsWith("::ml-project-model") && s.op === "replace");
        expect(model?.replaceReasons).toEqual(["name"]);
        expect(model?.detailedDiff).toEqual({ name: { kind: "update-replace", inputDiff: true } });
        const endpoint = diff.steps.find((s) => s.urn.endsWith("ModelServing::ml-project-endpoint"));
        expect(endpoint?.detailedDiff).toMatchObject({
            "config.trafficConfig.routes[0].trafficPercentage": { kind: "update", inputDiff: true },
            "config.trafficConfig.routes[1]": { kind: "add", inputDiff: true },
            "config.servedEntities[1]": { kind: "add", inputDiff: true },
        });
        expect(endpoint?.oldState?.inputs).toBeDefined();
        const inference = diff.steps.find((s) => s.urn.endsWith("job:Job::ml-project-inference"));
        expect(inference?.detailedDiff?.["schedule.quartzCronExpression"]).toEqual({ kind: "update", inputDiff: true });
        expect(diff.destructive).toEqual([
            {
                urn: model?.urn,
                type: "databricks:index/registeredModel:RegisteredModel",
                op: "replace",
                reason: "replaced: name changed; it is protected, so `pulumi up` stops until protection is lifted on purpose",
            },
        ]);
        expect(diff.changeSummary).toEqual({ same: 51, update: 3, replace: 2, create: 3 });
    });

    it("shows a resource whose URN changed as delete + create, names the pair and flags lost state", () => {
        const base = doc([state("urn:pulumi:s::p::a$databricks:index/schema:Schema::old", { name: "s" })]);
        const head = doc([state("urn:pulumi:s::p::a$databricks:index/schema:Schema::new", { name: "s" })]);
        const diff = diffPlans(base, head);
        expect(diff.steps.map((s) => s.op)).toEqual(["create", "delete"]);
        expect(diff.renames).toEqual([
            {
                oldUrn: "urn:pulumi:s::p::a$databricks:index/schema:Schema::old",
                newUrn: "urn:pulumi:s::p::a$databricks:index/schema:Schema::new",
            },
        ]);
        expect(diff.destructive[0].reason).toMatch(/^deleted and created again under a new URN/);
    });

    it("compares a renamed resource that carries an alias of its old URN with its old state", () => {
        const oldUrn = "urn:pulumi:s::p::a$databricks:index/schema:Schema::old";
        const base = doc([state(oldUrn, { name: "s" })]);
        const renamed = state("urn:pulumi:s::p::a$databricks:index/schema:Schema::new", { name: "s" });
        renamed.newState.aliases = [oldUrn];
        const diff = diffPlans(base, doc([renamed]));
        expect(diff.steps.map((s) => s.op)).toEqual(["same"]);
        expect(diff.renames).toEqual([]);
        expect(diff.destructive).toEqual([]);
    });
});

function state(urn: string, inputs: Record<string, unknown>): PlanDocument["steps"][number] {
    const type = urn.split("::")[2].split("$").pop() as string;
    return {
        op: "create",
        urn,
        newState: { urn, custom: true, id: "", type, inputs, protect: false, dependencies: [] },
    };
}

function doc(steps: PlanDocument["steps"]): PlanDocument {
    return { config: {}, steps, diagnostics: [], changeSummary: { create: steps.length } };
}

describe("npm run plan -- --base", () => {
    it("prints the changed properties against a saved plan and fails on destroy when asked", async () => {
        const base = savedPlan(
            (await planStack("prod", { user: "dev.user@example.com", modelVersions: ["1", "2"] })).doc,
        );
        const args = ["--stack", "prod", "--project-dir", changedProd(), "--base", base, "--model-versions", "1,2"];
        const text = await planCli(args);
        expect(text.code).toBe(0);
        expect(text.stdout).toContain(
            "+- databricks:index/registeredModel:RegisteredModel: (replace)  ml-project-model",
        );
        expect(text.stdout).toContain('~ name: "ml_model" => "churn_model" (forces replacement)');
        expect(text.stdout).toContain("~ config.trafficConfig.routes[0].trafficPercentage: 100 => 80");
        expect(text.stdout).toContain("+ config.trafficConfig.routes[1].trafficPercentage: 20");
        expect(text.stdout).toContain('~ schedule.quartzCronExpression: "0 0 * * * ?" => "0 30 * * * ?"');
        expect(text.stdout).toContain("Destructive changes");
        expect(text.stdout).toMatch(/8 changes\. 51 unchanged\n$/);

        const json = await planCli([...args, "--json"]);
        expect(JSON.parse(json.stdout).destructive).toHaveLength(1);
        const failing = await planCli([...args, "--fail-on-destroy"]);
        expect(failing.code).toBe(3);
    });

    it("refuses a base that is neither a file nor a ref", async () => {
        await expect(planCli(["--stack", "prod", "--base", "no-such-ref-or-file"])).rejects.toThrow(
            '--base: "no-such-ref-or-file" is neither a plan JSON file nor a git ref of this repository',
        );
    });
});

describe("npm run plan -- --base <git ref>, as a process", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    it("plans a git ref checked out in a temporary folder, and leaves nothing behind", async () => {
        const dir = tempProject("dev", stackFileConfig("dev"));
        // A temporary folder of its own, to see what the command leaves there.
        const tmp = tempDir("mlops-tmpdir-");
        const { code, stdout, stderr } = await spawnCli(
            "plan/cli.ts",
            ["--stack", "dev", "--project-dir", dir, "--base", "HEAD", "--json"],
            { TMPDIR: tmp },
        );
        expect(stderr).toBe("");
        expect(code).toBe(0);
        const diff = JSON.parse(stdout);
        expect(diff.steps.length).toBeGreaterThan(30);
        expect(
            diff.steps.every((s: { op: string }) => ["create", "update", "replace", "delete", "same"].includes(s.op)),
        ).toBe(true);
        // (Other checkouts of the repository may have worktrees of their own at the same time.)
        const { stdout: worktrees } = await run("git", ["-C", PROJECT_DIR, "worktree", "list"]);
        expect(worktrees).not.toContain(tmp);
        expect(fs.readdirSync(tmp).filter((f) => f.startsWith("mlops-"))).toEqual([]);
        // No process of the command is left running (the base's checkout was made there).
        const { stdout: processes } = await run("ps", ["-eo", "args"]);
        expect(processes.split("\n").filter((p) => p.includes(tmp))).toEqual([]);
    });
});

describe("npm run plan -- --base <git ref>, when the head does not plan", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    it("stops the base's work and removes its checkout", async () => {
        const dir = tempProject("dev", { ...stackFileConfig("dev"), [`${NS}:mode`]: "staging" });
        const tmp = tempDir("mlops-tmpdir-");
        const saved = process.env.TMPDIR;
        process.env.TMPDIR = tmp; // where the command makes its temporary folders (os.tmpdir)
        try {
            await expect(planCli(["--stack", "dev", "--project-dir", dir, "--base", "HEAD"])).rejects.toThrow(
                "databricks-mlops:mode: expected one of",
            );
        } finally {
            if (saved === undefined) delete process.env.TMPDIR;
            else process.env.TMPDIR = saved;
        }
        expect(fs.readdirSync(tmp).filter((f) => f.startsWith("mlops-"))).toEqual([]);
        const { stdout: worktrees } = await run("git", ["-C", PROJECT_DIR, "worktree", "list"]);
        expect(worktrees).not.toContain(tmp);
        const { stdout: processes } = await run("ps", ["-eo", "args"]);
        expect(processes.split("\n").filter((p) => p.includes(tmp))).toEqual([]);
    });
});

describe("npm run plan -- --base <git ref>, side by side", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    it("checks the base out in a process of its own while this process plans the head, then plans the base here", async () => {
        const dir = tempProject("dev", stackFileConfig("dev"));
        const tmp = tempDir("mlops-tmpdir-");
        const saved = process.env.TMPDIR;
        process.env.TMPDIR = tmp; // where the base's checkout goes (os.tmpdir)
        const opts = { stack: "dev", user: "dev.user@example.com", modelVersions: ["1", "2"], projectDir: dir };
        let seen = false;
        try {
            const { head, base } = await planBeside("HEAD", opts, async () => {
                // The head's plan waits (a minute at most) to see the base's files checked out.
                for (let i = 0; i < 600 && !seen; i++) {
                    seen = fs
                        .readdirSync(tmp)
                        .some(
                            (f) =>
                                f.startsWith("mlops-base-") &&
                                fs.existsSync(path.join(tmp, f, "tree", "plan", "launch.cjs")),
                        );
                    if (!seen) await new Promise((resolve) => setTimeout(resolve, 100));
                }
                return (await planStack("dev", { projectDir: dir, user: opts.user, modelVersions: opts.modelVersions }))
                    .doc;
            });
            expect(seen).toBe(true);
            expect(base.label).toMatch(/^HEAD \([0-9a-f]{12}\)$/);
            expect(base.doc.steps.length).toBeGreaterThan(1);
            expect(head.steps.length).toBeGreaterThan(1);
        } finally {
            if (saved === undefined) delete process.env.TMPDIR;
            else process.env.TMPDIR = saved;
        }
        // (tsx keeps its cache there too.)
        expect(fs.readdirSync(tmp).filter((f) => f.startsWith("mlops-"))).toEqual([]);
    });
});
