import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import type { AccessControl } from "./access";

/** The job-cluster key every task of the project's jobs uses. */
export const ML_CLUSTER_KEY = "ml_cluster";

export interface MlClusterArgs {
    /** Display name of the cluster policy (prefixed in development mode by the caller). */
    policyName: pulumi.Input<string>;
    /** Databricks ML runtime, pinned by the policy, such as `15.4.x-ml-scala2.12`. */
    sparkVersion: string;
    /** Azure node types the policy allows, for workers and driver. */
    nodeTypes: string[];
    /** Node type of the job cluster; one of `nodeTypes`. */
    nodeType: string;
    /** Workers of the job cluster. */
    numWorkers: number;
    /** Upper bound on workers the policy allows. */
    maxWorkers: number;
    /** Auto-termination bound for all-purpose clusters under the policy; job clusters end with their run. */
    autoterminationMinutes: number;
    /** Spark configuration of the job cluster. */
    sparkConf: Record<string, string>;
    /** Custom tags the policy fixes and the job cluster carries (cost attribution). */
    customTags: pulumi.Input<Record<string, string>>;
    /** Who may use the policy (CAN_USE). */
    permissions: AccessControl[];
}

/** The inputs of the policy definition, with the tags resolved. */
export interface PolicyDefinitionInputs {
    sparkVersion: string;
    nodeTypes: string[];
    nodeType: string;
    numWorkers: number;
    maxWorkers: number;
    autoterminationMinutes: number;
    customTags: Record<string, string>;
}

/**
 * The cluster policy definition: the ML runtime pinned, Azure node types allow-listed, workers
 * bounded, SINGLE_USER access mode (Unity Catalog, one identity per cluster), auto-termination
 * bounded for all-purpose clusters (optional, since job clusters cannot set it), tags fixed.
 */
export function clusterPolicyDefinition(i: PolicyDefinitionInputs): Record<string, unknown> {
    const def: Record<string, unknown> = {
        spark_version: { type: "fixed", value: i.sparkVersion },
        node_type_id: { type: "allowlist", values: i.nodeTypes, defaultValue: i.nodeType },
        driver_node_type_id: { type: "allowlist", values: i.nodeTypes, defaultValue: i.nodeType, isOptional: true },
        num_workers: { type: "range", minValue: 0, maxValue: i.maxWorkers, defaultValue: i.numWorkers },
        data_security_mode: { type: "fixed", value: "SINGLE_USER" },
        autotermination_minutes: {
            type: "range",
            minValue: 10,
            maxValue: i.autoterminationMinutes,
            defaultValue: i.autoterminationMinutes,
            isOptional: true,
        },
    };
    for (const key of Object.keys(i.customTags).sort()) {
        def[`custom_tags.${key}`] = { type: "fixed", value: i.customTags[key] };
    }
    return def;
}

/**
 * The ML cluster: a cluster policy for the project's ML compute, and the job-cluster spec
 * (`ml_cluster`) the jobs share, created under that policy.
 */
export class MlCluster extends pulumi.ComponentResource {
    /** The cluster policy's id. */
    public readonly policyId: pulumi.Output<string>;
    /** The job-cluster spec (key `ml_cluster`) for a job's `jobClusters`. */
    public readonly jobCluster: pulumi.Output<databricks.types.input.JobJobCluster>;

    constructor(name: string, args: MlClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:MlCluster", name, {}, opts);

        const definition = pulumi.output(args.customTags).apply((customTags) =>
            JSON.stringify(
                clusterPolicyDefinition({
                    sparkVersion: args.sparkVersion,
                    nodeTypes: args.nodeTypes,
                    nodeType: args.nodeType,
                    numWorkers: args.numWorkers,
                    maxWorkers: args.maxWorkers,
                    autoterminationMinutes: args.autoterminationMinutes,
                    customTags,
                }),
            ),
        );

        const policy = new databricks.ClusterPolicy(
            `${name}-policy`,
            {
                name: args.policyName,
                description: "ML job clusters: pinned ML runtime, allowed Azure node types, single-user access mode.",
                definition,
            },
            { parent: this },
        );

        new databricks.Permissions(
            `${name}-policy-perms`,
            { clusterPolicyId: policy.id, accessControls: args.permissions },
            { parent: this },
        );

        this.policyId = policy.id;
        this.jobCluster = pulumi.output({
            jobClusterKey: ML_CLUSTER_KEY,
            newCluster: {
                policyId: policy.id,
                sparkVersion: args.sparkVersion,
                nodeTypeId: args.nodeType,
                driverNodeTypeId: args.nodeType,
                numWorkers: args.numWorkers,
                dataSecurityMode: "SINGLE_USER",
                sparkConf: args.sparkConf,
                customTags: args.customTags,
            },
        });
        this.registerOutputs({ policyId: this.policyId, jobCluster: this.jobCluster });
    }
}
