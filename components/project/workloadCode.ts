import * as fs from "node:fs";
import * as path from "node:path";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import type { AccessControl } from "../access";

/** The folder of the shipped workloads, beside this program. */
export const WORKLOADS_DIR = path.resolve(__dirname, "..", "..", "workloads");

/**
 * The entry points each workload folder must hold: the notebooks the training and batch
 * inference jobs run, by key.
 */
export const WORKLOAD_ENTRY_POINTS = {
    features: "features.py",
    train: "train.py",
    evaluate: "evaluate.py",
    batchInference: "batch_inference.py",
} as const;

/** The platform's own notebooks, the same for every project, in `workloads/common`. */
export const PLATFORM_NOTEBOOKS = {
    processInferenceLogs: "process_inference_logs.py",
    promoteModel: "promote_model.py",
    checkDrift: "check_drift.py",
} as const;

export type NotebookKey = keyof typeof WORKLOAD_ENTRY_POINTS | keyof typeof PLATFORM_NOTEBOOKS;

export interface WorkloadCodeArgs {
    /** Workspace folder the code is uploaded under (`<root>/files/notebooks/<file>`). */
    rootPath: pulumi.Input<string>;
    /** Local folder of the project's workload (its entry points and its own modules). */
    workloadDir: string;
    /** Local folder of the platform's notebooks and library; omitted: `workloads/common`. */
    commonDir?: string;
    /** The platform notebooks this project's jobs run (only those are uploaded). */
    platformNotebooks: (keyof typeof PLATFORM_NOTEBOOKS)[];
    /**
     * Access control list of `rootPath`, the folder that holds the code (and the project's other
     * workspace objects); omitted: the folder keeps what it inherits from its parent.
     */
    folderPermissions?: AccessControl[];
    /** The entry points the program's default tasks run; omitted: all four. */
    entryPoints?: (keyof typeof WORKLOAD_ENTRY_POINTS)[];
    /** Further notebooks of the workload folder the configured tasks run (relative paths). */
    taskNotebooks?: string[];
    /** Further files of the workload folder the configured tasks run or install (Python files, requirements). */
    taskFiles?: string[];
}

/** The key of a task's file in `WorkloadCode.taskPaths`. */
export function taskPathKey(rel: string, as: "notebook" | "file"): string {
    return `${as}:${rel}`;
}

/** A resource name part for a workload file: its path with `/` as `.` and without `.py`. */
export function resourceKey(rel: string): string {
    return rel.replace(/\.py$/, "").replace(/[/\\]/g, ".");
}

/**
 * The Python modules of a folder the notebooks import: every `.py` file inside a package (a
 * folder with `__init__.py`), relative to the folder, sorted.
 */
export function libraryFiles(dir: string): string[] {
    const out: string[] = [];
    const walk = (rel: string) => {
        const abs = path.join(dir, rel);
        for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
            const child = path.join(rel, entry.name);
            if (entry.isDirectory() && fs.existsSync(path.join(dir, child, "__init__.py"))) walk(child);
            else if (entry.isFile() && rel !== "" && entry.name.endsWith(".py"))
                out.push(child.split(path.sep).join("/"));
        }
    };
    if (fs.existsSync(dir)) walk("");
    return out.sort();
}

/**
 * The workload's code: each entry point and platform notebook uploaded as a workspace notebook,
 * and the library modules they import as workspace files beside them, under a per-environment
 * root, so the jobs run exactly the code of this commit.
 */
export class WorkloadCode extends pulumi.ComponentResource {
    /** Workspace path of each uploaded notebook. */
    public readonly paths: Partial<Record<NotebookKey, pulumi.Output<string>>>;
    /** Workspace path of each workload file the configured tasks name, by relative path and kind. */
    public readonly taskPaths: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: WorkloadCodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:WorkloadCode", name, {}, opts);
        const commonDir = args.commonDir ?? path.join(WORKLOADS_DIR, "common");
        const folder = pulumi.interpolate`${args.rootPath}/files/notebooks`;

        const entryPoints =
            args.entryPoints ?? (Object.keys(WORKLOAD_ENTRY_POINTS) as (keyof typeof WORKLOAD_ENTRY_POINTS)[]);
        const notebooks: [NotebookKey, string][] = [
            ...entryPoints.map((key): [NotebookKey, string] => [
                key,
                path.join(args.workloadDir, WORKLOAD_ENTRY_POINTS[key]),
            ]),
            ...args.platformNotebooks.map((key): [NotebookKey, string] => [
                key,
                path.join(commonDir, PLATFORM_NOTEBOOKS[key]),
            ]),
        ];
        const paths: Partial<Record<NotebookKey, pulumi.Output<string>>> = {};
        const uploads: pulumi.Resource[] = [];
        for (const [key, file] of notebooks) {
            // The content, not a local path, goes into the inputs: the plan and the diff are the
            // same on every machine, and a changed notebook shows as an update.
            const notebook = new databricks.Notebook(
                `${name}-${key}`,
                {
                    path: pulumi.interpolate`${folder}/${path.basename(file, ".py")}`,
                    language: "PYTHON",
                    format: "SOURCE",
                    contentBase64: fs.readFileSync(file).toString("base64"),
                },
                { parent: this },
            );
            paths[key] = notebook.path;
            uploads.push(notebook);
        }

        // The configured tasks' code, in the folders it has in the workload (a notebook that is
        // also an entry point is uploaded once).
        const taskPaths: Record<string, pulumi.Output<string>> = {};
        for (const rel of args.taskNotebooks ?? []) {
            const entry = entryPoints.find((k) => WORKLOAD_ENTRY_POINTS[k] === rel);
            taskPaths[taskPathKey(rel, "notebook")] =
                entry !== undefined
                    ? (paths[entry] as pulumi.Output<string>)
                    : new databricks.Notebook(
                          `${name}-task-${resourceKey(rel)}`,
                          {
                              path: pulumi.interpolate`${folder}/${rel.replace(/\.py$/, "")}`,
                              language: "PYTHON",
                              format: "SOURCE",
                              contentBase64: fs.readFileSync(path.join(args.workloadDir, rel)).toString("base64"),
                          },
                          { parent: this },
                      ).path;
        }
        const libraries = new Set(libraryFiles(args.workloadDir));
        for (const rel of args.taskFiles ?? []) {
            taskPaths[taskPathKey(rel, "file")] = libraries.has(rel)
                ? pulumi.interpolate`${folder}/${rel}`
                : new databricks.WorkspaceFile(
                      `${name}-task-${resourceKey(rel)}`,
                      {
                          path: pulumi.interpolate`${folder}/${rel}`,
                          contentBase64: fs.readFileSync(path.join(args.workloadDir, rel)).toString("base64"),
                      },
                      { parent: this },
                  ).path;
        }

        // The modules the notebooks import (`from mlops_lib import gating`): workspace files in
        // the notebooks' folder, which Databricks puts on the notebooks' `sys.path`.
        const modules = new Map<string, string>();
        for (const dir of [commonDir, args.workloadDir]) {
            for (const rel of libraryFiles(dir)) modules.set(rel, path.join(dir, rel));
        }
        for (const [rel, file] of [...modules.entries()].sort(([a], [b]) => a.localeCompare(b))) {
            const upload = new databricks.WorkspaceFile(
                `${name}-lib-${rel.replace(/\.py$/, "").replace(/[/\\]/g, ".")}`,
                {
                    path: pulumi.interpolate`${folder}/${rel}`,
                    contentBase64: fs.readFileSync(file).toString("base64"),
                },
                { parent: this },
            );
            uploads.push(upload);
        }
        if (args.folderPermissions) {
            // The folder exists once the first upload made it (the provider creates a notebook's
            // or file's missing parents); the provider resolves the path to the folder's id.
            new databricks.Permissions(
                `${name}-perms`,
                { directoryPath: pulumi.output(args.rootPath), accessControls: args.folderPermissions },
                { parent: this, dependsOn: uploads },
            );
        }
        this.paths = paths;
        this.taskPaths = taskPaths;
        this.registerOutputs({ paths: this.paths, taskPaths: this.taskPaths });
    }
}
