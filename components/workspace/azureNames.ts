import { createHash } from "node:crypto";

/**
 * Azure names, derived from a base name and the environment, within each resource type's rules.
 * Nothing is hard-coded and nothing is random: the same stack always gets the same names.
 */
export interface AzureNames {
    /** 1-90: letters, digits, `-`, `_`, `.`, `(`, `)`. */
    resourceGroup: string;
    /** The resource group Azure Databricks manages for the workspace. */
    managedResourceGroup: string;
    /** 3-64: letters, digits, `-`, `_`. */
    workspace: string;
    /** 3-64: letters, digits, `-`, `_`. */
    accessConnector: string;
    /** 3-24 lower case letters and digits, globally unique. */
    storageAccount: string;
}

/** Lower case, letters, digits and single dashes, no dash at either end. */
function slug(s: string): string {
    return s
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "");
}

/**
 * The names of a stack's Azure resources. The storage account name must be unique across Azure,
 * so it ends with a hash of the subscription, the base name and the environment: two stacks, or
 * two subscriptions, never collide, and a stack keeps its name from one run to the next.
 */
export function azureNames(baseName: string, environment: string, subscriptionId: string): AzureNames {
    const base = slug(baseName).slice(0, 40).replace(/-+$/, "") || "mlops";
    const env = slug(environment);
    const stem = `${base}-${env}`;
    const hash = createHash("sha256").update(`${subscriptionId}/${base}/${env}`).digest("hex").slice(0, 6);
    const compact = `${base}${env}`.replace(/[^a-z0-9]/g, "");
    return {
        resourceGroup: `rg-${stem}`,
        managedResourceGroup: `rg-${stem}-databricks-managed`,
        workspace: `dbw-${stem}`,
        accessConnector: `dbac-${stem}`,
        storageAccount: `st${compact.slice(0, 24 - 2 - hash.length)}${hash}`,
    };
}

/** Azure's built-in role Storage Blob Data Contributor (read, write and delete blobs). */
export const STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
