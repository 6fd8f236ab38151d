import * as fs from "node:fs";
import * as path from "node:path";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";

/** The notebooks of the workload, by key, as files under `notebooks/`. */
export const NOTEBOOKS = {
    features: "features.py",
    train: "train.py",
    evaluate: "evaluate.py",
    batchInference: "batch_inference.py",
    processInferenceLogs: "process_inference_logs.py",
} as const;
export type NotebookKey = keyof typeof NOTEBOOKS;

export interface WorkloadCodeArgs {
    /** Workspace folder the notebooks are uploaded under (`<root>/files/notebooks/<name>`). */
    rootPath: pulumi.Input<string>;
    /** Local folder holding the notebook sources; omitted: the project's `notebooks/`. */
    sourceDir?: string;
}

/**
 * The workload's code: each Databricks notebook source file uploaded as a workspace notebook
 * under a per-environment root, so the jobs run exactly the code of this commit.
 */
export class WorkloadCode extends pulumi.ComponentResource {
    /** Workspace path of each notebook. */
    public readonly paths: Record<NotebookKey, pulumi.Output<string>>;

    constructor(name: string, args: WorkloadCodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:WorkloadCode", name, {}, opts);
        const dir = args.sourceDir ?? path.resolve(__dirname, "..", "..", "notebooks");

        const paths = {} as Record<NotebookKey, pulumi.Output<string>>;
        for (const key of Object.keys(NOTEBOOKS) as NotebookKey[]) {
            const file = NOTEBOOKS[key];
            // The content, not a local path, goes into the inputs: the plan and the diff are the
            // same on every machine, and a changed notebook shows as an update.
            const content = fs.readFileSync(path.join(dir, file));
            const notebook = new databricks.Notebook(
                `${name}-${key}`,
                {
                    path: pulumi.interpolate`${args.rootPath}/files/notebooks/${path.basename(file, ".py")}`,
                    language: "PYTHON",
                    format: "SOURCE",
                    contentBase64: content.toString("base64"),
                },
                { parent: this },
            );
            paths[key] = notebook.path;
        }
        this.paths = paths;
        this.registerOutputs({ paths: this.paths });
    }
}
