import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse, parseDocument } from "yaml";
import { WORKLOAD_ENTRY_POINTS } from "../components/project/workloadCode";
import { checkUrns, urnProblems } from "../plan/urns";
import {
    addToSharedFile,
    nameProblem,
    packageName,
    projectDefinition,
    TEMPLATES,
    templateEntryPoints,
    workloadFiles,
} from "../scripts/new-project";
import { evaluatePolicies, loadPolicyPack, readPolicyConfig } from "../plan/policy";
import { fixtureCopy, freshPlan, PROJECT_DIR } from "./harness";

/** `npm run new-project`: a project that plans in every stack, with its workload and its test. */

const exec = promisify(execFile);
const shared = () => parse(fs.readFileSync(path.join(PROJECT_DIR, "shared.yaml"), "utf8")) as Record<string, any>;

describe("a new project's name", () => {
    it.each([
        ["Fraud", /^expected lower case letters, digits and '-', at most 40, found "Fraud"$/],
        ["fraud_scoring", /^expected lower case letters, digits and '-'/],
        ["9lives", /^expected lower case letters/],
        ["a".repeat(41), /at most 40/],
    ])("%s is refused by the config's rule", (name, message) => {
        expect(nameProblem(name, { projects: [] })).toMatch(message);
    });

    it("is refused when a project has it, had it, or has its schema", () => {
        const projects = [{ name: "churn", schema: "fraud_scoring", previousNames: ["old-churn"] }];
        expect(nameProblem("churn", { projects })).toMatch(/a project of shared\.yaml$/);
        expect(nameProblem("old-churn", { projects })).toMatch(/a previous name of churn$/);
        expect(nameProblem("fraud-scoring", { projects })).toMatch(/schema \(fraud_scoring\) is free/);
        expect(nameProblem("fraud-scoring", { projects: [] })).toBeUndefined();
    });
});

describe("the shared file", () => {
    it("gets the project at the end of its list, every line and comment before kept", () => {
        const text = fs.readFileSync(path.join(PROJECT_DIR, "shared.yaml"), "utf8");
        const doc = parseDocument(text);
        addToSharedFile(doc, projectDefinition("fraud-scoring", "churn"), "churn");
        const updated = doc.toString();
        expect(updated.startsWith(text.trimEnd())).toBe(true);
        expect(updated).toContain("  # fraud-scoring: made by npm run new-project (workload template: churn).\n");
        const projects = (parse(updated) as { projects: { name: string }[] }).projects;
        expect(projects.map((p) => p.name)).toEqual([...shared().projects.map((p: any) => p.name), "fraud-scoring"]);
    });
});

describe.each(TEMPLATES)("the %s template", (template) => {
    const files = workloadFiles("fraud-scoring", template);
    const pkg = packageName("fraud-scoring");

    it("has the entry points the jobs run, the project's package and a pytest test", () => {
        for (const f of templateEntryPoints(template)) expect(files.has(f)).toBe(true);
        expect(files.has(`${pkg}/__init__.py`)).toBe(true);
        expect([...files.keys()].filter((f) => /^tests\/test_[a-z0-9_]+\.py$/.test(f))).toEqual([
            `tests/test_${pkg}.py`,
        ]);
    });

    it("imports the project's package, never the shipped workload's", () => {
        for (const [file, text] of files) expect(text, file).not.toMatch(/\b(churn|regression)_lib\b/);
        expect(files.get(template === "mlops-stacks" ? "Train.py" : "train.py")).toContain(`from ${pkg}.`);
    });
});

describe("the mlops-stacks template", () => {
    const name = "fraud-scoring";
    const files = workloadFiles(name, "mlops-stacks");

    it("shapes the jobs as mlops-stacks does, on serverless compute but the feature-table job", () => {
        const p = projectDefinition(name, "mlops-stacks") as Record<string, any>;
        expect(p.training.tasks.map((t: any) => [t.taskKey, t.role, t.dependsOn?.[0]?.taskKey])).toEqual([
            ["Train", "registers", undefined],
            ["ModelValidation", "validates", "Train"],
            ["ModelDeployment", "deploys", "ModelValidation"],
        ]);
        expect(p.training.schedule).toEqual({ cron: "0 0 9 * * ?", timezone: "UTC" });
        expect([p.training.compute, p.inference.compute, p.retraining.compute, p.featureTable.compute]).toEqual([
            "serverless",
            "serverless",
            "serverless",
            undefined,
        ]);
        expect(p.retraining.tasks.at(-1)).toEqual({
            taskKey: "trigger_retraining",
            dependsOn: [{ taskKey: "is_metric_violated", outcome: "true" }],
            runJobTask: { job: "training" },
        });
        // Every file a task runs or installs is in the workload folder; none of the default entry points.
        const named = [p.featureTable, p.training, p.inference, p.retraining].flatMap((j) => [
            ...j.tasks.flatMap((t: any) => (t.notebookTask ? [t.notebookTask.notebookPath] : [])),
            ...(j.environments ?? []).flatMap((e: any) =>
                e.spec.dependencies.map((d: string) => d.replace(/^-r /, "")),
            ),
        ]);
        for (const f of named) expect(files.has(f), f).toBe(true);
        for (const f of Object.values(WORKLOAD_ENTRY_POINTS)) expect(files.has(f), f).toBe(false);
    });

    it("plans in the dev and prod stacks and passes the policy pack", { timeout: 300_000 }, async () => {
        const dir = fixtureCopy();
        const doc = parseDocument(fs.readFileSync(path.join(dir, "shared.yaml"), "utf8"));
        addToSharedFile(doc, projectDefinition(name, "mlops-stacks"), "mlops-stacks");
        fs.writeFileSync(path.join(dir, "shared.yaml"), doc.toString());
        for (const [rel, text] of files) {
            const file = path.join(dir, "workloads", name, rel);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, text);
        }
        const pack = await loadPolicyPack(path.join(PROJECT_DIR, "policy"));
        for (const stack of ["dev", "prod"]) {
            const plan = await freshPlan(dir, stack);
            const jobs = plan.steps
                .map((s) => s.newState)
                .filter((s) => s.type === "databricks:index/job:Job" && s.urn.includes(`::${name}-`))
                .map((s) => s.urn.split("::").at(-1));
            expect(jobs.sort()).toEqual(
                [
                    `${name}-feature-table`,
                    `${name}-inference`,
                    `${name}-monitor-processing`,
                    `${name}-retraining`,
                    `${name}-training`,
                ].sort(),
            );
            const config = readPolicyConfig(path.join(PROJECT_DIR, "policy", `config.${stack}.json`), pack);
            expect(await evaluatePolicies(plan, pack, config)).toEqual([]);
        }
    });
});

/** A copy of this checkout (node_modules linked), where the command can write what it writes. */
function checkoutCopy(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-new-project-test-"));
    fs.cpSync(PROJECT_DIR, dir, {
        recursive: true,
        // Not the installed environments (envs/<runtime>/.venv, .spark-jars): large, and not the project's.
        filter: (src) => {
            const parts = path.relative(PROJECT_DIR, src).split(path.sep);
            return !/^(node_modules|\.git|\.venv|\.spark-jars)$/.test(parts[0]) && !parts.includes(".venv");
        },
    });
    fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"), "dir");
    return dir;
}

describe("npm run new-project", () => {
    it(
        "makes a project that plans in every stack with its URNs listed; the same name again exits 2",
        { timeout: 600_000 },
        async () => {
            const dir = checkoutCopy();
            // A name the checkout's shared.yaml has no project of.
            const name = `new-${process.pid}`;
            const tsx = path.join(dir, "node_modules", ".bin", "tsx");
            const env = { ...process.env, NO_COLOR: "1" };
            const made = await exec(tsx, ["scripts/new-project.ts", name], { cwd: dir, env });
            expect(made.stdout).toContain(`Added project ${name} to shared.yaml`);
            expect(made.stdout).toContain("Edit next:");
            expect(fs.existsSync(path.join(dir, "workloads", name, "train.py"))).toBe(true);

            const stacks = fs
                .readdirSync(dir)
                .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
                .filter((s): s is string => s !== undefined);
            // Planned in this process (the command's process is tested above and below): the copy's
            // own stack files and workload folder, as `npm run plan` in the copy reads them.
            for (const stack of stacks) {
                const doc = await freshPlan(dir, stack);
                expect(doc.steps.some((s) => s.urn.endsWith(`::${name}-model`))).toBe(true);
                const list = fs
                    .readFileSync(path.join(dir, "tests", "urns", `${stack}.txt`), "utf8")
                    .split("\n")
                    .filter(Boolean);
                expect(urnProblems(`${stack}.txt`, checkUrns(list, doc))).toBe("");
            }

            const again = await exec(tsx, ["scripts/new-project.ts", name], { cwd: dir, env }).catch(
                (e: { code: number; stderr: string }) => e,
            );
            expect(again).toMatchObject({
                code: 2,
                stderr: `error: <name>: expected a name no project has, found "${name}", a project of shared.yaml\n`,
            });
        },
    );
});
