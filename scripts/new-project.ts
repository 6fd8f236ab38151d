import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command, Option } from "commander";
import { isSeq, parseDocument, type Document, type YAMLSeq } from "yaml";
import { WORKLOAD_ENTRY_POINTS } from "../components/project/workloadCode";
import { ConfigError, readSharedFile, SHARED_FILE, yamlProblem } from "../config/load";
import { PROJECT_NAME, PROJECT_NAME_RULE } from "../config/schema";
import { configProblems } from "../plan/configProblems";
import { listStacks, PlanInputError } from "../plan/stackConfig";
import { runMain, strictUsage, UsageError } from "../plan/usage";
import { MLOPS_STACKS_NOTEBOOKS, mlopsStacksJobs, mlopsStacksNotebooks } from "./templates/mlopsStacks";
import { updateUrnLists } from "./urns";

/**
 * `npm run new-project -- <name> [--workload churn|regression|blank|mlops-stacks]`: this program's
 * `databricks bundle init`. Adds the project to shared.yaml (comments and layout kept: the yaml
 * Document API), checked with every stack's own rules before anything is written; creates its
 * workload folder `workloads/<name>/` from a template, with the entry points its jobs run and a
 * pytest test of its own; refreshes the committed URN lists; and prints what to edit next.
 */

export const TEMPLATES = ["churn", "regression", "blank", "mlops-stacks"] as const;
export type Template = (typeof TEMPLATES)[number];

/** This checkout: the program resolves workload folders against it. */
const ROOT = path.resolve(__dirname, "..");

/** The Python package a project's own modules live in: `fraud-scoring` gives `fraud_scoring_lib`. */
export function packageName(project: string): string {
    return `${project.replace(/-/g, "_")}_lib`;
}

/** The project's definition in shared.yaml, from the template's kind of model. */
export function projectDefinition(name: string, template: Template): Record<string, unknown> {
    const schema = name.replace(/-/g, "_");
    return {
        name,
        schema,
        experimentPath: `/Shared/${name}`,
        modelName: `${schema}_model`,
        modelComment: `Model of ${name}`,
        workload: { dir: `workloads/${name}` },
        inference: { cron: "0 0 * * * ?", timezone: "UTC" },
        serving: {
            workloadSize: "Small",
            // The version the evaluation job made `champion`, resolved on every deploy; on a first
            // deploy (no model yet) the endpoint waits for the first training run.
            routes: [{ alias: "champion", trafficPercentage: 100 }],
            inferenceTablePrefix: "inference_logs",
        },
        monitor: {
            problemType: template === "regression" ? "PROBLEM_TYPE_REGRESSION" : "PROBLEM_TYPE_CLASSIFICATION",
            predictionCol: "prediction",
            labelCol: "label",
            modelIdCol: "model_id",
            timestampCol: "timestamp",
            granularities: ["1 day"],
            slicingExprs: ["model_version"],
            schedule: { cron: "0 0 6 * * ?", timezone: "UTC" },
        },
        // mlops-stacks' jobs: a feature-table job, Train -> ModelValidation -> ModelDeployment daily,
        // batch inference and retraining on a monitored metric, on serverless compute.
        ...(template === "mlops-stacks" ? mlopsStacksJobs() : {}),
    };
}

/** The files the jobs of a template's project run: what its test checks is there. */
export function templateEntryPoints(template: Template): string[] {
    return template === "mlops-stacks" ? Object.values(MLOPS_STACKS_NOTEBOOKS) : Object.values(WORKLOAD_ENTRY_POINTS);
}

/** Why a name cannot be a new project's (the schema's rule, the projects there are), or undefined. */
export function nameProblem(name: string, shared: Record<string, unknown>): string | undefined {
    if (!PROJECT_NAME.test(name)) return `${PROJECT_NAME_RULE}, found "${name}"`;
    const projects = Array.isArray(shared.projects) ? (shared.projects as Record<string, unknown>[]) : [];
    for (const p of projects) {
        if (p.name === name) return `expected a name no project has, found "${name}", a project of ${SHARED_FILE}`;
        if (Array.isArray(p.previousNames) && p.previousNames.includes(name))
            return `expected a name no project has or had, found "${name}", a previous name of ${String(p.name)}`;
        if (p.schema === name.replace(/-/g, "_"))
            return `expected a name whose schema (${String(p.schema)}) is free, found it used by ${String(p.name)}`;
    }
    return undefined;
}

/** Adds the project at the end of the shared file's `projects`, keeping every comment and line. */
export function addToSharedFile(doc: Document, definition: Record<string, unknown>, template: Template): void {
    let projects = doc.get("projects");
    if (projects === undefined) {
        doc.set("projects", doc.createNode([]));
        projects = doc.get("projects");
    }
    if (!isSeq(projects)) throw new UsageError(`${SHARED_FILE}: projects: expected a list of projects`);
    const node = doc.createNode(definition);
    node.commentBefore = ` ${definition.name}: made by npm run new-project (workload template: ${template}).`;
    (projects as YAMLSeq).add(node);
}

/** The files of a workload folder from a template: path (relative to the folder) to content. */
export function workloadFiles(
    name: string,
    template: Template,
    workloadsDir = path.join(ROOT, "workloads"),
): Map<string, string> {
    const pkg = packageName(name);
    const files = new Map<string, string>();
    if (template === "blank") {
        for (const [key, file] of Object.entries(WORKLOAD_ENTRY_POINTS)) files.set(file, blankEntryPoint(key, pkg));
        files.set(
            `${pkg}/__init__.py`,
            `"""The ${name} workload's own library: what its notebooks share, tested with pytest."""\n`,
        );
        files.set(`${pkg}/features.py`, BLANK_FEATURES);
    } else {
        // The shipped workload's files, its package renamed to the project's (mlops-stacks: the
        // churn model's library and sample data, under notebooks of mlops-stacks' jobs).
        const shipped = template === "mlops-stacks" ? "churn" : template;
        const source = path.join(workloadsDir, shipped);
        const shippedPkg = `${shipped}_lib`;
        const skip = new Set<string>(template === "mlops-stacks" ? Object.values(WORKLOAD_ENTRY_POINTS) : []);
        const walk = (rel: string) => {
            for (const entry of fs.readdirSync(path.join(source, rel), { withFileTypes: true })) {
                const child = path.join(rel, entry.name);
                if (entry.isDirectory()) {
                    if (entry.name !== "__pycache__") walk(child);
                } else if (entry.name.endsWith(".py") && !skip.has(child)) {
                    const text = fs.readFileSync(path.join(source, child), "utf8").replaceAll(shippedPkg, pkg);
                    files.set(
                        child
                            .split(path.sep)
                            .join("/")
                            .replace(new RegExp(`^${shippedPkg}/`), `${pkg}/`),
                        text,
                    );
                }
            }
        };
        walk("");
        if (template === "mlops-stacks") for (const [f, text] of mlopsStacksNotebooks(pkg)) files.set(f, text);
    }
    files.set(`tests/test_${pkg}.py`, workloadTest(name, pkg, template));
    return files;
}

function blankEntryPoint(key: string, pkg: string): string {
    const title = key.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`).replace(/^./, (c) => c.toUpperCase());
    return `# Databricks notebook source
# MAGIC %md
# MAGIC # ${title}
# MAGIC The ${key} task of this project: read the widgets the job passes, call the project's
# MAGIC library (${pkg}) and write the result. Keep the logic in the library, where pytest tests it.

# COMMAND ----------

dbutils.widgets.text("catalog", "")
dbutils.widgets.text("schema", "")
catalog = dbutils.widgets.get("catalog")
schema = dbutils.widgets.get("schema")

# COMMAND ----------

from ${pkg}.features import describe_task

print(describe_task("${key}", catalog, schema))
`;
}

const BLANK_FEATURES = `"""Pure Python the notebooks call; replace it with the project's feature logic."""

from __future__ import annotations


def describe_task(task: str, catalog: str, schema: str) -> str:
    """What a task works on: \`train on main.fraud\`."""
    return f"{task} on {catalog}.{schema}"
`;

/**
 * The project's own pytest test: every notebook and module of the folder is valid Python, the
 * entry points its jobs run are there, and (blank) the library does what it says. It needs pytest alone
 * (it parses the churn and regression modules rather than importing their pandas and sklearn).
 */
function workloadTest(name: string, pkg: string, template: Template): string {
    const entryPoints = templateEntryPoints(template)
        .map((f) => `"${f}"`)
        .join(", ");
    const blank =
        template === "blank"
            ? `

def test_the_library_describes_a_task():
    sys.path.insert(0, str(WORKLOAD))
    try:
        from ${pkg}.features import describe_task
    finally:
        sys.path.remove(str(WORKLOAD))
    assert describe_task("train", "main", "fraud") == "train on main.fraud"
`
            : "";
    return `"""The ${name} workload (made by npm run new-project, template: ${template})."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

WORKLOAD = Path(__file__).resolve().parents[1]
ENTRY_POINTS = [${entryPoints}]


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_each_entry_point_the_jobs_run_is_there(entry_point):
    assert (WORKLOAD / entry_point).is_file()


@pytest.mark.parametrize(
    "source", sorted(p for p in WORKLOAD.rglob("*.py") if "tests" not in p.relative_to(WORKLOAD).parts), ids=str
)
def test_each_notebook_and_module_is_valid_python(source):
    ast.parse(source.read_text(encoding="utf-8"), filename=str(source))


def test_the_library_is_a_package():
    assert (WORKLOAD / "${pkg}" / "__init__.py").is_file()
${blank}`;
}

/** Checks the shared file with the project added against every stack's rules; the problems, or none. */
function checkStacks(projectDir: string, sharedText: string): string[] {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-new-project-"));
    try {
        for (const f of fs.readdirSync(projectDir).filter((f) => /^Pulumi(\..+)?\.ya?ml$/.test(f)))
            fs.copyFileSync(path.join(projectDir, f), path.join(scratch, f));
        fs.writeFileSync(path.join(scratch, SHARED_FILE), sharedText);
        const problems: string[] = [];
        for (const stack of listStacks(scratch)) {
            problems.push(...configProblems(scratch, stack).map((p) => `${stack}: ${p}`));
        }
        return problems;
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

async function main(argv: string[]): Promise<number> {
    const cli = new Command()
        .name("new-project")
        .description("Add an ML project: its definition in shared.yaml, its workload folder and test, the URN lists.")
        .argument("<name>", "the project's name: lower case letters, digits and '-' (it starts every resource name)")
        .addOption(
            new Option("--workload <template>", "the workload folder's template").choices(TEMPLATES).default("churn"),
        )
        .option("--no-urns", "leave the URN lists (tests/urns) as they are");
    strictUsage(cli, "npm run new-project --").parse(argv);
    const [name] = cli.args;
    const opts = cli.opts<{ workload: Template; urns: boolean }>();
    const projectDir = ROOT;
    const sharedFile = path.join(projectDir, SHARED_FILE);
    const workloadDir = path.join(projectDir, "workloads", name);

    if (!fs.existsSync(sharedFile)) throw new UsageError(`${SHARED_FILE}: no such file in ${projectDir}`);
    const problem = nameProblem(name, readSharedFile(projectDir));
    if (problem) throw new UsageError(`<name>: ${problem}`);
    if (fs.existsSync(workloadDir))
        throw new UsageError(`<name>: expected a new workload folder, found workloads/${name} already there`);

    const text = fs.readFileSync(sharedFile, "utf8");
    const doc = parseDocument(text);
    const yamlError = yamlProblem(SHARED_FILE, doc);
    if (yamlError) throw new UsageError(yamlError);
    addToSharedFile(doc, projectDefinition(name, opts.workload), opts.workload);
    const updated = doc.toString();
    const problems = checkStacks(projectDir, updated);
    if (problems.length > 0) {
        process.stderr.write(
            `error: ${name} would make the stacks invalid; nothing was written:\n  ${problems.join("\n  ")}\n`,
        );
        return 2;
    }

    const files = workloadFiles(name, opts.workload);
    for (const [rel, content] of files) {
        const file = path.join(workloadDir, rel);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, content);
    }
    fs.writeFileSync(sharedFile, updated);
    const out = [
        `Added project ${name} to ${SHARED_FILE} and its workload (template: ${opts.workload}) in workloads/${name}/:`,
        ...[...files.keys()].sort().map((f) => `  workloads/${name}/${f}`),
    ];
    process.stdout.write(`${out.join("\n")}\n`);
    if (opts.urns) {
        for (const line of await updateUrnLists(projectDir)) process.stdout.write(`${line}\n`);
    }
    process.stdout.write(
        [
            "",
            "Edit next:",
            `  ${SHARED_FILE}, project ${name}: schema, modelName, experimentPath, the inference cron, the monitor's columns`,
            `  workloads/${name}/: the entry points the jobs run (${templateEntryPoints(opts.workload).join(", ")}) and ${packageName(name)}/, with its test in tests/`,
            `  Pulumi.<stack>.yaml: databricks-mlops:projectOverrides.${name} for what a stack changes (names, served versions)`,
            "Then review what each stack would create:",
            "  npm run plan -- --stack dev",
            "",
        ].join("\n"),
    );
    return 0;
}

if (require.main === module) {
    runMain(
        () => main(process.argv),
        (err) => err instanceof PlanInputError || err instanceof ConfigError,
        "new-project failed unexpectedly",
    );
}
