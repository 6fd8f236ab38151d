/**
 * The name a resource has where people see it (the workspace UI, the Azure portal), next to its
 * logical Pulumi name in the plan and the diff: `[dev jane] ml-project-training-dev`, not
 * `ml-project-training`.
 */

/** Per type: the input keys whose values, joined with `.`, make the visible name. */
const NAME_KEYS: Record<string, string[]> = {
    "databricks:index/job:Job": ["name"],
    "databricks:index/clusterPolicy:ClusterPolicy": ["name"],
    "databricks:index/sqlEndpoint:SqlEndpoint": ["name"],
    "databricks:index/modelServing:ModelServing": ["name"],
    "databricks:index/mlflowExperiment:MlflowExperiment": ["name"],
    "databricks:index/notebook:Notebook": ["path"],
    "databricks:index/schema:Schema": ["catalogName", "name"],
    "databricks:index/registeredModel:RegisteredModel": ["catalogName", "schemaName", "name"],
    "databricks:index/volume:Volume": ["catalogName", "schemaName", "name"],
    "databricks:index/sqlTable:SqlTable": ["catalogName", "schemaName", "name"],
    "databricks:index/qualityMonitor:QualityMonitor": ["tableName"],
    "databricks:index/storageCredential:StorageCredential": ["name"],
    "databricks:index/externalLocation:ExternalLocation": ["name"],
    "azure-native:resources:ResourceGroup": ["resourceGroupName"],
    "azure-native:databricks:Workspace": ["workspaceName"],
    "azure-native:databricks:AccessConnector": ["connectorName"],
    "azure-native:storage:StorageAccount": ["accountName"],
    "azure-native:storage:BlobContainer": ["accountName", "containerName"],
    "azure-native:authorization:ManagementLockAtResourceGroupLevel": ["resourceGroupName", "lockName"],
};

/** The visible name of a resource from its inputs; `undefined` when it has none of its own. */
export function displayName(type: string, inputs: Record<string, unknown>): string | undefined {
    const keys = NAME_KEYS[type];
    if (!keys) return undefined;
    const parts = keys.map((k) => inputs[k]);
    if (parts.some((p) => typeof p !== "string")) return undefined;
    return parts.join(type.startsWith("azure-native:") ? "/" : ".");
}
