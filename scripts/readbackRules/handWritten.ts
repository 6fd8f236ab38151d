/**
 * Read-back rules the provider source cannot tell, each with its citation: what the REST APIs do
 * to a value, and how the azure-native provider diffs. Merged into plan/readback-rules.json by
 * scripts/gen-readback-rules.ts and marked `handWritten` there. A path `*` applies to every input
 * path of the type the covered stacks set.
 */
import type { ReadbackRule } from "../../plan/readbackRules";

type HandWritten = Omit<ReadbackRule, "handWritten">;

/**
 * azure-native compares the new inputs with the inputs it stored in the state (`__inputs`), not
 * with what the Azure API returned: a second `up` without `--refresh` sees exactly what was sent.
 */
const AZURE_INPUTS: HandWritten[] = [
    {
        kind: "asSent",
        source: "pulumi/pulumi-azure-native provider/pkg/provider/provider.go Diff (old inputs from the state's __inputs against the new inputs) and diff.go applyDiff (only a refresh writes what Read returned into the inputs)",
    },
];

const AZURE_LOCATION: HandWritten[] = [
    {
        kind: "caseInsensitive",
        function: "normalizedLocation",
        source: "pulumi/pulumi-azure-native provider/pkg/provider/diff.go applyAzureSpecificDiff: a top-level location differing only in case and spaces is no change",
    },
];

/** Unity Catalog keeps object names in lower case, and the API answers them so. */
const UC_LOWER = (what: string): HandWritten => ({
    kind: "lowercased",
    source: `Unity Catalog stores ${what} in lower case and answers them so (databricks/cli bundle/direct/dresources/resources.yml, normalize_case "uc_case": "UC lowercases identifier names; remote returns myschema for config MySchema"); terraform-provider-databricks's EqualFoldDiffSuppress on these attributes in catalog/ exists for it`,
});

const azure = (paths: Record<string, HandWritten[]> = {}): Record<string, HandWritten[]> => ({
    "*": AZURE_INPUTS,
    ...paths,
});

export const HAND_WRITTEN: Record<string, Record<string, HandWritten[]>> = {
    "azure-native:authorization:ManagementLockAtResourceGroupLevel": azure(),
    "azure-native:authorization:RoleAssignment": azure(),
    "azure-native:databricks:AccessConnector": azure({ location: AZURE_LOCATION }),
    "azure-native:databricks:Workspace": azure({ location: AZURE_LOCATION }),
    "azure-native:resources:ResourceGroup": azure({ location: AZURE_LOCATION }),
    "azure-native:storage:BlobContainer": azure(),
    "azure-native:storage:StorageAccount": azure({ location: AZURE_LOCATION }),

    "databricks:index/schema:Schema": {
        name: [UC_LOWER("schema names")],
        catalogName: [UC_LOWER("catalog names")],
        properties: [
            {
                kind: "apiDefault",
                value: JSON.stringify({
                    "unity.catalog.managed.delta.defaults.delta.enableRowTracking": "(set by Unity Catalog)",
                    "unity.catalog.managed.iceberg.defaults.delta.feature.catalogManaged": "(set by Unity Catalog)",
                }),
                source: "databricks/cli bundle/direct/dresources/resources.yml (schemas, backend_defaults): Unity Catalog auto-populates these system-managed property keys after create; terraform-provider-databricks catalog/resource_schema.go reads properties back whole (StructToData) and properties is neither computed nor suppressed",
            },
        ],
    },
    "databricks:index/registeredModel:RegisteredModel": {
        name: [UC_LOWER("model names")],
        catalogName: [UC_LOWER("catalog names")],
        schemaName: [UC_LOWER("schema names")],
    },
    "databricks:index/volume:Volume": {
        name: [UC_LOWER("volume names")],
        catalogName: [UC_LOWER("catalog names")],
        schemaName: [UC_LOWER("schema names")],
    },
    "databricks:index/sqlTable:SqlTable": {
        name: [UC_LOWER("table names")],
        catalogName: [UC_LOWER("catalog names")],
        schemaName: [UC_LOWER("schema names")],
    },
    "databricks:index/qualityMonitor:QualityMonitor": {
        // The plugin-framework resource sets its state from the API's answer (converters.GoSdkToTfSdkStruct
        // in Read, internal/providers/pluginfw/products/qualitymonitor/resource_quality_monitor.go) with
        // no case-insensitive plan modifier: a mixed-case name differs on every plan.
        tableName: [UC_LOWER("table names")],
        outputSchemaName: [UC_LOWER("schema names")],
        // Update sends catalog.UpdateMonitor, which has no assets_dir; the state it sets is the
        // API's answer, which keeps the old one.
        assetsDir: [
            {
                kind: "notUpdated",
                source: "databricks/databricks-sdk-go service/catalog/model.go UpdateMonitor (no assets_dir field), sent by terraform-provider-databricks internal/providers/pluginfw/products/qualitymonitor/resource_quality_monitor.go Update, which sets the state from the API's answer (the old assets_dir)",
            },
        ],
    },
    "databricks:index/permissions:Permissions": {
        "accessControls.servicePrincipalName": [
            {
                kind: "lowercased",
                source: "terraform-provider-databricks permissions/permission_definitions.go prepareResponse: user_name and service_principal_name are read back lower-cased",
            },
            {
                kind: "caseInsensitive",
                function: "access_control Set hash",
                source: "terraform-provider-databricks permissions/resource_permissions.go: the access_control set hashes user_name and service_principal_name lower-cased (#5183)",
            },
        ],
        accessControls: [
            {
                kind: "set",
                source: "terraform-provider-databricks permissions/resource_permissions.go: access_control is a TypeSet with its own Set hash",
            },
        ],
    },
};
