import type * as authorization from "@pulumi/azure-native/authorization";
import type * as databricks from "@pulumi/azure-native/databricks";
import type * as resources from "@pulumi/azure-native/resources";
import type * as storage from "@pulumi/azure-native/storage";

/** The `@pulumi/azure-native` submodules this program uses. */
export interface AzureNative {
    authorization: typeof authorization;
    databricks: typeof databricks;
    resources: typeof resources;
    storage: typeof storage;
}

let loaded: AzureNative | undefined;

/**
 * The azure-native submodules the program uses, loaded on first call. The package's root module
 * loads about 270 modules (some 0.4 s), and most stacks create no Azure resource: only a stack
 * with `workspace.mode: created` calls this, and it loads four submodules. The imports above are
 * types only, so that they cost nothing at run time.
 */
export function azureNative(): AzureNative {
    /* eslint-disable @typescript-eslint/no-require-imports */
    loaded ??= {
        authorization: require("@pulumi/azure-native/authorization") as typeof authorization,
        databricks: require("@pulumi/azure-native/databricks") as typeof databricks,
        resources: require("@pulumi/azure-native/resources") as typeof resources,
        storage: require("@pulumi/azure-native/storage") as typeof storage,
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
    return loaded;
}
