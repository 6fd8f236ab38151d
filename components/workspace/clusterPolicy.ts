import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import type { AccessControl } from "../access";
import type { ClusterSettings } from "../project/mlCluster";

export interface MlClusterPolicyArgs {
    /** Display name of the policy (prefixed in development mode by the caller). */
    policyName: pulumi.Input<string>;
    /** The settings the policy pins, allows and bounds. */
    definition: pulumi.Input<PolicyDefinitionInputs>;
    /** Who may use the policy (CAN_USE). */
    permissions: AccessControl[];
}

/**
 * What the policy definition is made of: the stack's cluster settings (the runtime it pins, the
 * node types it allows, the defaults and bounds it sets; Spark conf is the job clusters' own),
 * with the tags resolved.
 */
export interface PolicyDefinitionInputs extends Omit<ClusterSettings, "sparkConf"> {
    /**
     * Tags the policy fixes on every cluster (cost attribution). Only stack-wide tags: one policy
     * serves every project, so a project's own tags are the job clusters' business.
     */
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
 * The workspace's cluster policy for ML job clusters, shared by every project of the stack.
 * Only workspace admins may create cluster policies, so a stack either declares this once (an
 * admin deploys it) or references an existing policy by id (`clusterPolicy.mode: existing`).
 */
export class MlClusterPolicy extends pulumi.ComponentResource {
    /** The cluster policy's id. */
    public readonly policyId: pulumi.Output<string>;

    constructor(name: string, args: MlClusterPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:MlClusterPolicy", name, {}, opts);

        const policy = new databricks.ClusterPolicy(
            name,
            {
                name: args.policyName,
                description: "ML job clusters: pinned ML runtime, allowed Azure node types, single-user access mode.",
                definition: pulumi.output(args.definition).apply((d) => JSON.stringify(clusterPolicyDefinition(d))),
            },
            { parent: this },
        );
        new databricks.Permissions(
            `${name}-perms`,
            { clusterPolicyId: policy.id, accessControls: args.permissions },
            { parent: this },
        );

        this.policyId = policy.id;
        this.registerOutputs({ policyId: this.policyId });
    }
}
