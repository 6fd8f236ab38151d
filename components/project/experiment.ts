import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import type { AccessControl } from "../access";
import { adoptOptions } from "./adopt";

export interface ExperimentArgs {
    /** Workspace path of the experiment (resolved and prefixed by the caller). */
    path: pulumi.Input<string>;
    /** Access control list (e.g. CAN_MANAGE to ml-engineers, CAN_READ to data-scientists). */
    permissions: AccessControl[];
    /** Protect the experiment, and its runs, from deletion (production). */
    protect: boolean;
    /** Leave the experiment and its runs in the workspace when it leaves the program; default: `protect`. */
    retainOnDelete?: boolean;
    /** Id of a deployed experiment to adopt (Pulumi `import`) instead of creating one; omitted: created. */
    adoptId?: string;
}

/** The project's MLflow experiment and its permissions. */
export class Experiment extends pulumi.ComponentResource {
    /** The experiment's id. */
    public readonly experimentId: pulumi.Output<string>;
    /** The experiment's workspace path. */
    public readonly path: pulumi.Output<string>;

    constructor(name: string, args: ExperimentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:Experiment", name, {}, opts);

        // No description: the provider keeps `description` only for old configs and never sends it
        // (terraform-provider-databricks `mlflow/resource_mlflow_experiment.go`: "the API never
        // accepts description"), and warns on every run that sets it. Nor a tag in its place: the
        // provider sends tags only on create (Update renames), and reads back the workspace's own
        // `mlflow.*` tags beside them, so declared tags would show a change on every preview.
        const inputs = { name: args.path };
        const experiment = new databricks.MlflowExperiment(
            name,
            inputs,
            pulumi.mergeOptions(
                { parent: this, protect: args.protect, retainOnDelete: args.retainOnDelete ?? args.protect },
                adoptOptions(args.adoptId, inputs, "databricks:index/mlflowExperiment:MlflowExperiment"),
            ),
        );
        new databricks.Permissions(
            `${name}-perms`,
            { experimentId: experiment.id, accessControls: args.permissions },
            { parent: this },
        );

        this.experimentId = experiment.id;
        this.path = experiment.name;
        this.registerOutputs({ experimentId: this.experimentId, path: this.path });
    }
}
