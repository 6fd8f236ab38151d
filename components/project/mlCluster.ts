import type * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";

/** The job-cluster key every task of the project's jobs uses. */
export const ML_CLUSTER_KEY = "ml_cluster";

/** The cluster settings shared by a stack's projects. */
export interface ClusterSettings {
    /** Databricks ML runtime, such as `18.x-cpu-ml-scala2.13`; the policy pins the same one. */
    sparkVersion: string;
    /** Azure node types the policy allows. */
    nodeTypes: string[];
    /** Node type of the job clusters; one of `nodeTypes`. */
    nodeType: string;
    /** Workers of the job clusters. */
    numWorkers: number;
    /** Upper bound on workers the policy allows. */
    maxWorkers: number;
    /** Auto-termination bound for all-purpose clusters under the policy. */
    autoterminationMinutes: number;
    /** Spark configuration of the job clusters. */
    sparkConf: Record<string, string>;
}

/**
 * The ML job cluster (`ml_cluster`) a project's jobs share: created for each run under the
 * workspace's cluster policy, on the ML runtime, single-user (Unity Catalog) access mode.
 */
export function mlJobCluster(
    cluster: ClusterSettings,
    policyId: pulumi.Input<string>,
    customTags: pulumi.Input<Record<string, string>>,
): pulumi.Output<databricks.types.input.JobJobCluster> {
    return pulumi.output({
        jobClusterKey: ML_CLUSTER_KEY,
        newCluster: {
            policyId,
            sparkVersion: cluster.sparkVersion,
            nodeTypeId: cluster.nodeType,
            driverNodeTypeId: cluster.nodeType,
            numWorkers: cluster.numWorkers,
            dataSecurityMode: "SINGLE_USER",
            sparkConf: cluster.sparkConf,
            customTags,
        },
    });
}
