import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { settingsFromConfig } from "../config/load";
import { dependencyCycle, PARAMETER_VARIABLES, taskGraphIssues, upstreamTasks, type TaskSpec } from "../config/jobs";
import { readStackConfig } from "../plan/stackConfig";
import { SP, stackFileConfig, tempProject } from "./harness";

const NS = "databricks-mlops";

/** The settings of a fixture stack with one change, parsed as a plan parses them. */
function settingsWith(stack: string, change: (project: Record<string, any>, config: Record<string, any>) => void) {
    const config = structuredClone(stackFileConfig(stack)) as Record<string, any>;
    change(config[`${NS}:projects`][0], config);
    const dir = tempProject(stack, config);
    const sc = readStackConfig(dir, stack);
    return settingsFromConfig({
        namespace: sc.project,
        stack: sc.stack,
        config: sc.config,
        isSecret: (k) => sc.secretKeys.includes(k),
        projectDir: dir,
    });
}

function errorOf(stack: string, change: (project: Record<string, any>, config: Record<string, any>) => void): string {
    try {
        settingsWith(stack, change);
    } catch (err) {
        return (err as Error).message;
    }
    throw new Error("expected the config to be refused");
}

/** mlops-stacks' training job: Train -> ModelValidation -> ModelDeployment, daily, on serverless compute. */
export const MLOPS_STACKS_TRAINING = {
    compute: "serverless",
    environments: [
        { environmentKey: "default", spec: { environmentVersion: "5", dependencies: ["-r requirements.txt"] } },
    ],
    schedule: { cron: "0 0 9 * * ?", timezone: "UTC" },
    tasks: [
        {
            taskKey: "Train",
            role: "registers",
            notebookTask: {
                notebookPath: "training/notebooks/Train.py",
                baseParameters: { env: "${bundle.target}", model_name: "${project.model}" },
            },
        },
        {
            taskKey: "ModelValidation",
            role: "validates",
            dependsOn: [{ taskKey: "Train" }],
            notebookTask: { notebookPath: "validation/notebooks/ModelValidation.py" },
        },
        {
            taskKey: "ModelDeployment",
            role: "deploys",
            dependsOn: [{ taskKey: "ModelValidation" }],
            notebookTask: { notebookPath: "deployment/model_deployment/notebooks/ModelDeployment.py" },
        },
    ],
};

describe("job task graphs in the config", () => {
    it("the seed's shape is the default: no tasks, no schedule, the file-arrival trigger left to the program", () => {
        const s = settingsWith("dev", () => undefined);
        expect(s.projects[0].training.tasks).toBeUndefined();
        expect(s.projects[0].training.trigger).toBeUndefined();
        expect(s.projects[0].training.schedule).toBeUndefined();
        expect(s.projects[0].featureTable).toBeUndefined();
    });

    it("takes mlops-stacks' training job (schedule, roles, serverless environment)", () => {
        const s = settingsWith("dev", (p) => (p.training = MLOPS_STACKS_TRAINING));
        const t = s.projects[0].training;
        expect(t.tasks?.map((x) => [x.taskKey, x.role])).toEqual([
            ["Train", "registers"],
            ["ModelValidation", "validates"],
            ["ModelDeployment", "deploys"],
        ]);
        expect(t.schedule).toEqual({ cron: "0 0 9 * * ?", timezone: "UTC" });
        expect(t.environments).toEqual([
            { environmentKey: "default", spec: { environmentVersion: "5", dependencies: ["-r requirements.txt"] } },
        ]);
    });

    it("takes a model trigger (MLflow 3 deployment job) and on-demand", () => {
        const s = settingsWith("dev", (p) => {
            p.training = {
                trigger: { model: { condition: "MODEL_VERSION_READY" } },
                tasks: MLOPS_STACKS_TRAINING.tasks,
            };
        });
        expect(s.projects[0].training.trigger?.model).toEqual({ condition: "MODEL_VERSION_READY" });
        const d = settingsWith("dev", (p) => (p.training = { trigger: { onDemand: true } }));
        expect(d.projects[0].training.trigger).toEqual({ onDemand: true });
    });

    it.each([
        [
            "a dependency on an unknown task",
            (p: any) => {
                p.training = structuredClone(MLOPS_STACKS_TRAINING);
                p.training.tasks[1].dependsOn = [{ taskKey: "Trian" }];
            },
            `${NS}:projects[0].training.tasks[1].dependsOn[0].taskKey: expected a task of this job other than ModelValidation (one of Train, ModelDeployment), found "Trian"`,
        ],
        [
            "a cycle",
            (p: any) => {
                p.training = structuredClone(MLOPS_STACKS_TRAINING);
                p.training.tasks[0].dependsOn = [{ taskKey: "ModelDeployment" }];
            },
            "expected tasks without a dependency cycle, found Train -> ModelDeployment -> ModelValidation -> Train",
        ],
        [
            "a training job without a registering task",
            (p: any) => {
                p.training = structuredClone(MLOPS_STACKS_TRAINING);
                delete p.training.tasks[0].role;
            },
            `${NS}:projects[0].training.tasks: expected a task with role: registers in the training job (the task that registers model versions), found none among Train, ModelValidation, ModelDeployment`,
        ],
        [
            "two tasks of one role",
            (p: any) => {
                p.training = structuredClone(MLOPS_STACKS_TRAINING);
                p.training.tasks[2].role = "validates";
            },
            `${NS}:projects[0].training.tasks[2].role: expected one task with role validates, found ModelValidation and ModelDeployment`,
        ],
        [
            "a deploying task that does not wait for the validation",
            (p: any) => {
                p.training = structuredClone(MLOPS_STACKS_TRAINING);
                p.training.tasks[2].dependsOn = [{ taskKey: "Train" }];
            },
            `${NS}:projects[0].training.tasks[2].dependsOn: expected ModelDeployment (role deploys) to run after ModelValidation (role validates), found no dependency path from ModelValidation`,
        ],
        [
            "a deploying task without a validating one",
            (p: any) => {
                p.training = structuredClone(MLOPS_STACKS_TRAINING);
                delete p.training.tasks[1].role;
            },
            `${NS}:projects[0].training.tasks[2].role: expected a task with role validates before ModelDeployment (role deploys): no version is deployed unchecked, found none in the job`,
        ],
        [
            "batch inference with a cron and a trigger",
            (p: any) => (p.inference.trigger = { onDemand: true }),
            `${NS}:projects[0].inference.trigger: expected either cron or trigger on the batch inference job, found both`,
        ],
        [
            "a file-arrival trigger without a folder outside training",
            (p: any) => {
                delete p.inference.cron;
                p.inference.trigger = { fileArrival: {} };
            },
            `${NS}:projects[0].inference.trigger.fileArrival.url: expected the folder the inference job's file-arrival trigger watches (a /Volumes/... or cloud URL ending in '/'), found none`,
        ],
        [
            "an undeclared environment",
            (p: any) => {
                p.training = structuredClone(MLOPS_STACKS_TRAINING);
                p.training.tasks[0].environmentKey = "gpu";
            },
            `${NS}:projects[0].training.tasks[0].environmentKey: expected an environment of this job's environments (default), found "gpu"`,
        ],
        [
            "a task of two kinds",
            (p: any) => {
                p.training = structuredClone(MLOPS_STACKS_TRAINING);
                p.training.tasks[0].sparkPythonTask = { pythonFile: "train.py" };
            },
            "expected exactly one of notebookTask, sparkPythonTask, conditionTask, runJobTask in task Train, found notebookTask and sparkPythonTask",
        ],
        [
            "a schedule beside a trigger",
            (p: any) => {
                p.training = structuredClone(MLOPS_STACKS_TRAINING);
                p.training.trigger = { fileArrival: {} };
            },
            `${NS}:projects[0].training.trigger: expected either schedule or trigger on a job, found both`,
        ],
        [
            "two trigger kinds",
            (p: any) => (p.training = { trigger: { fileArrival: {}, model: { condition: "MODEL_CREATED" } } }),
            `${NS}:projects[0].training.trigger.model: expected one trigger kind (fileArrival, model, periodic or onDemand), found fileArrival and model`,
        ],
        [
            "a path out of the workload folder",
            (p: any) => {
                p.training = structuredClone(MLOPS_STACKS_TRAINING);
                p.training.tasks[0].notebookTask.notebookPath = "../training/Train.py";
            },
            `${NS}:projects[0].training.tasks[0].notebookTask.notebookPath: expected a .py file inside the workload folder`,
        ],
        [
            "an unknown parameter variable",
            (p: any) => {
                p.training = structuredClone(MLOPS_STACKS_TRAINING);
                p.training.tasks[0].notebookTask.baseParameters.model_name = "${var.model_name}";
            },
            `${NS}:projects[0].training.tasks[0].notebookTask.baseParameters.model_name: expected only the variables`,
        ],
        [
            "serverless without an environment version",
            (p: any) => {
                p.training = structuredClone(MLOPS_STACKS_TRAINING);
                delete p.training.environments[0].spec.environmentVersion;
            },
            `${NS}:projects[0].training.environments[0].spec.environmentVersion: expected the serverless environment version of environment default (or the stack's serverlessEnvironmentVersion), found none`,
        ],
        [
            "a serverless environment version without a tested local environment (4 ships MLflow 2)",
            (p: any) => {
                p.training = structuredClone(MLOPS_STACKS_TRAINING);
                p.training.environments[0].spec.environmentVersion = "4";
            },
            `${NS}:projects[0].training.environments[0].spec.environmentVersion: expected a serverless environment version this project has a tested local environment for (5;`,
        ],
        [
            "a run-job task naming a job the project lacks",
            (p: any) => {
                p.retraining = {
                    tasks: [{ taskKey: "retrain", runJobTask: { job: "featureTable" } }],
                };
            },
            `${NS}:projects[0].retraining.tasks[0].runJobTask.job: expected a job the retraining job may run (training, inference), found "featureTable"`,
        ],
    ])("refuses %s, naming the file and key", (_what, change, message) => {
        const err = errorOf("dev", change);
        expect(err).toContain("Pulumi.dev.yaml");
        expect(err).toContain(message);
    });

    it("the stack's serverlessEnvironmentVersion stands in for an environment's", () => {
        const s = settingsWith("dev", (p, c) => {
            p.training = structuredClone(MLOPS_STACKS_TRAINING);
            delete p.training.environments;
            c[`${NS}:serverlessEnvironmentVersion`] = "5";
        });
        expect(s.serverlessEnvironmentVersion).toBe("5");
    });

    it("a production stack takes the same graph", () => {
        const s = settingsWith("prod", (p) => (p.training = MLOPS_STACKS_TRAINING));
        expect(s.runAs?.servicePrincipalName).toBe(SP);
        expect(s.projects[0].training.tasks).toHaveLength(3);
    });
});

describe("task graph helpers", () => {
    const t = (taskKey: string, ...deps: string[]): TaskSpec =>
        ({ taskKey, dependsOn: deps.map((d) => ({ taskKey: d })), notebookTask: { notebookPath: "x.py" } }) as TaskSpec;

    it.each([
        [[t("a"), t("b", "a"), t("c", "b")], undefined],
        [
            [t("a", "c"), t("b", "a"), t("c", "b")],
            ["a", "c", "b", "a"],
        ],
        [[t("a", "a")], ["a", "a"]],
        [[t("a"), t("b", "a"), t("c", "a", "b")], undefined],
    ])("dependencyCycle %#", (tasks, cycle) => {
        expect(dependencyCycle(tasks)).toEqual(cycle);
    });

    it("upstreamTasks follows dependencies transitively", () => {
        const tasks = [t("a"), t("b", "a"), t("c", "b"), t("d")];
        expect([...upstreamTasks(tasks, "c")].sort()).toEqual(["a", "b"]);
        expect([...upstreamTasks(tasks, "d")]).toEqual([]);
    });

    it("taskGraphIssues finds a duplicate key and an outcome on a non-condition task", () => {
        const tasks = [t("a"), t("a"), { ...t("b"), dependsOn: [{ taskKey: "a", outcome: "true" as const }] }];
        expect(taskGraphIssues({ tasks }).map((i) => i.message)).toEqual([
            'expected each task key once, found "a" twice',
            "expected an outcome only on a dependency on a condition task, found one on a, a notebook task",
        ]);
    });
});

describe("docs/jobs.md", () => {
    it("lists the parameter variables as config/jobs.ts defines them", () => {
        const text = fs.readFileSync(path.join(__dirname, "..", "docs", "jobs.md"), "utf8");
        const table = text.slice(text.indexOf("<!-- table: PARAMETER_VARIABLES -->"));
        const rows = [...table.matchAll(/^\| `(\$\{[^`]+\})` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
        expect(rows).toEqual(Object.entries(PARAMETER_VARIABLES));
    });
});
