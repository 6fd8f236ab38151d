import * as pulumi from "@pulumi/pulumi";
import { azureNative } from "./azureNative";
import { type AzureNames, STORAGE_BLOB_DATA_CONTRIBUTOR } from "./azureNames";

export interface AzureFoundationArgs {
    /** Derived names, see `azureNames`. */
    names: AzureNames;
    /** Azure region. */
    location: string;
    /** The subscription, for the managed resource group's and the role's ids. */
    subscriptionId: string;
    /** Blob container training data lands in. */
    landingContainer: string;
    /** Tags on every Azure resource (environment, project, owner). */
    tags: Record<string, string>;
    /**
     * Production: zone-redundant storage, a CanNotDelete lock on the resource group, and the
     * resource group, workspace and storage account protected. Otherwise the cheapest choices.
     */
    production: boolean;
}

/**
 * The Azure side of the platform: a resource group, a premium Azure Databricks workspace (Unity
 * Catalog needs premium), an access connector with a system-assigned identity, an ADLS Gen2
 * storage account with a landing container, and the role that lets the connector use it.
 */
export class AzureFoundation extends pulumi.ComponentResource {
    /** `https://adb-....azuredatabricks.net`, for the Databricks provider. */
    public readonly workspaceUrl: pulumi.Output<string>;
    /** The workspace's Azure resource id, for the Databricks provider's Azure auth. */
    public readonly workspaceResourceId: pulumi.Output<string>;
    /** The access connector's id, available once its role on the storage account is assigned. */
    public readonly accessConnectorId: pulumi.Output<string>;
    /** `abfss://<container>@<account>.dfs.core.windows.net/`. */
    public readonly landingUrl: pulumi.Output<string>;

    constructor(name: string, args: AzureFoundationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:azure:AzureFoundation", name, {}, opts);
        const azure = azureNative(); // loaded only when a stack creates its workspace
        const { names, tags } = args;
        const child = { parent: this };
        const stateful = { parent: this, protect: args.production };

        const group = new azure.resources.ResourceGroup(
            `${name}-rg`,
            { resourceGroupName: names.resourceGroup, location: args.location, tags },
            stateful,
        );
        if (args.production) {
            new azure.authorization.ManagementLockAtResourceGroupLevel(
                `${name}-lock`,
                {
                    resourceGroupName: group.name,
                    lockName: "do-not-delete",
                    level: "CanNotDelete",
                    notes: "Production ML platform: remove this lock on purpose before deleting anything here.",
                },
                child,
            );
        }

        const workspace = new azure.databricks.Workspace(
            `${name}-workspace`,
            {
                resourceGroupName: group.name,
                workspaceName: names.workspace,
                location: args.location,
                sku: { name: "premium" },
                managedResourceGroupId: `/subscriptions/${args.subscriptionId}/resourceGroups/${names.managedResourceGroup}`,
                tags,
            },
            stateful,
        );

        const connector = new azure.databricks.AccessConnector(
            `${name}-connector`,
            {
                resourceGroupName: group.name,
                connectorName: names.accessConnector,
                location: args.location,
                identity: { type: "SystemAssigned" },
                tags,
            },
            child,
        );

        const storage = new azure.storage.StorageAccount(
            `${name}-storage`,
            {
                resourceGroupName: group.name,
                accountName: names.storageAccount,
                location: args.location,
                kind: "StorageV2",
                sku: { name: args.production ? "Standard_ZRS" : "Standard_LRS" },
                isHnsEnabled: true,
                enableHttpsTrafficOnly: true,
                minimumTlsVersion: "TLS1_2",
                allowBlobPublicAccess: false,
                // Unity Catalog reaches the data through the connector's identity; keys stay off.
                allowSharedKeyAccess: false,
                defaultToOAuthAuthentication: true,
                tags,
            },
            stateful,
        );

        const container = new azure.storage.BlobContainer(
            `${name}-landing`,
            {
                resourceGroupName: group.name,
                accountName: storage.name,
                containerName: args.landingContainer,
                publicAccess: "None",
            },
            stateful,
        );

        const role = new azure.authorization.RoleAssignment(
            `${name}-connector-blob-contributor`,
            {
                scope: storage.id,
                principalId: connector.identity.apply((i) => i?.principalId ?? ""),
                principalType: "ServicePrincipal",
                roleDefinitionId: `/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${STORAGE_BLOB_DATA_CONTRIBUTOR}`,
                description: "Unity Catalog storage credential of the ML platform: read and write the landing zone.",
            },
            child,
        );

        this.workspaceUrl = pulumi.interpolate`https://${workspace.workspaceUrl}`;
        this.workspaceResourceId = workspace.id;
        // Through the role assignment: a storage credential on the connector is only valid once
        // the connector may use the storage account.
        this.accessConnectorId = pulumi.all([connector.id, role.id]).apply(([id]) => id);
        this.landingUrl = pulumi.interpolate`abfss://${container.name}@${storage.name}.dfs.core.windows.net/`;
        this.registerOutputs({
            workspaceUrl: this.workspaceUrl,
            workspaceResourceId: this.workspaceResourceId,
            accessConnectorId: this.accessConnectorId,
            landingUrl: this.landingUrl,
        });
    }
}
