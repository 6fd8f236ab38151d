import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import type { Grant } from "../access";

export interface LandingZoneArgs {
    /** Unity Catalog name of the storage credential and the external location. */
    name: string;
    /** The Azure Databricks access connector whose identity reads and writes the landing container. */
    accessConnectorId: pulumi.Input<string>;
    /** `abfss://<container>@<account>.dfs.core.windows.net/`. */
    url: pulumi.Input<string>;
    /** Grants on the storage credential and on the external location. */
    grants: { credential: Grant[]; location: Grant[] };
    /** Protect the credential and the location from deletion (production). */
    protect: boolean;
}

/**
 * The Databricks side of the landing zone: a storage credential for the access connector and an
 * external location on the landing container, where the projects' training-data volumes live.
 * A file-arrival trigger only fires on storage Unity Catalog governs like this.
 */
export class LandingZone extends pulumi.ComponentResource {
    /** The external location's URL, once it exists. */
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: LandingZoneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:LandingZone", name, {}, opts);
        const stateful = { parent: this, protect: args.protect };

        const credential = new databricks.StorageCredential(
            `${name}-credential`,
            {
                name: args.name,
                azureManagedIdentity: { accessConnectorId: args.accessConnectorId },
                comment: "Access connector of the ML platform's landing zone. Managed by Pulumi.",
            },
            stateful,
        );
        new databricks.Grants(
            `${name}-credential-grants`,
            { storageCredential: credential.id, grants: args.grants.credential },
            { parent: this },
        );

        const location = new databricks.ExternalLocation(
            `${name}-location`,
            {
                name: args.name,
                url: args.url,
                credentialName: credential.name,
                comment: "Landing zone of the ML platform: training data arrives here. Managed by Pulumi.",
                // Azure applies the connector's new role on the storage account minutes after it is
                // assigned, and validation on create would fail a first `pulumi up` for that
                // (terraform-provider-databricks#3069). Nothing reads the location during the
                // deploy; the jobs that do run later, once the role is in force.
                skipValidation: true,
            },
            stateful,
        );
        new databricks.Grants(
            `${name}-location-grants`,
            { externalLocation: location.id, grants: args.grants.location },
            { parent: this },
        );

        this.url = location.url;
        this.registerOutputs({ url: this.url });
    }
}
