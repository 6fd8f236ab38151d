import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import type { Grant } from "../access";
import { adoptOptions } from "./adopt";

export interface RegisteredModelArgs {
    /** The environment's catalog (it must exist; this program does not own catalogs). */
    catalog: string;
    /** Schema holding the model, the landing volume and the tables (prefixed in development mode). */
    schema: pulumi.Input<string>;
    /** Model name inside the schema (prefixed in development mode). */
    modelName: pulumi.Input<string>;
    /** Comment on the model. */
    comment?: string;
    /** Owner of the model (a user, group or service principal application id); omitted: the deployer. */
    owner?: string;
    /** Name of the volume the training trigger watches. */
    volumeName: string;
    /**
     * Cloud folder of the volume (an external volume in the landing zone's external location);
     * omitted: a managed volume in the schema's storage.
     */
    volumeStorageLocation?: pulumi.Input<string>;
    /** Grants on the schema, the model and the volume. */
    grants: { schema: Grant[]; model: Grant[]; volume: Grant[] };
    /** Protect the schema, the model and the volume from deletion (production). */
    protect: boolean;
    /**
     * Delete the schema with everything in it, tables this program does not manage included
     * (features, predictions, the AI Gateway payload table, the monitor's metric tables): the
     * provider deletes a non-empty schema only with `force_destroy`
     * (terraform-provider-databricks `catalog/resource_schema.go`). For development sandboxes, so
     * that `pulumi destroy` removes them; refused together with `protect`. Default: false.
     */
    forceDestroy?: boolean;
    /**
     * Leave the schema, the model and the volume in the workspace when they leave the program (or
     * are replaced): their data (model versions, files, tables) outlives a refactor. Default:
     * `protect`, so production data is both protected and retained; development data is not, so
     * that `pulumi destroy` cleans a developer's sandbox.
     */
    retainOnDelete?: boolean;
    /** Ids of deployed objects to adopt (Pulumi `import`) instead of creating them; omitted: created. */
    adopt?: { schema?: string; model?: string; volume?: string };
    /**
     * Objects the workspace has and the stack only uses (a bundle that names a schema or a model it
     * does not declare): neither declared nor granted on, since grants are authoritative and these
     * belong to others. Their names are used as given. Default: both are created.
     */
    existing?: { schema?: boolean; model?: boolean };
}

/**
 * The Unity Catalog side of the project: the schema, the registered model (three-level name)
 * and the volume new training data lands in, each with its grants.
 */
export class RegisteredModel extends pulumi.ComponentResource {
    /** `catalog.schema.model`. */
    public readonly fullName: pulumi.Output<string>;
    /** The schema's name, once it exists. */
    public readonly schemaName: pulumi.Output<string>;
    /** `/Volumes/catalog/schema/volume`. */
    public readonly volumePath: pulumi.Output<string>;

    constructor(name: string, args: RegisteredModelArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:RegisteredModel", name, {}, opts);
        if (args.forceDestroy && args.protect) {
            throw new pulumi.ResourceError(
                "forceDestroy deletes a schema with all its tables: it is for development sandboxes, never for a protected (production) schema",
                this,
            );
        }
        const stateful = { parent: this, protect: args.protect, retainOnDelete: args.retainOnDelete ?? args.protect };
        const schema = args.existing?.schema
            ? { catalogName: pulumi.output(args.catalog), name: pulumi.output(args.schema) }
            : this.declareSchema(name, args, stateful);
        const model = args.existing?.model
            ? { name: pulumi.output(args.modelName) }
            : this.declareModel(name, args, schema, stateful);

        const volumeInputs: databricks.VolumeArgs = {
            catalogName: schema.catalogName,
            schemaName: schema.name,
            name: args.volumeName,
            volumeType: args.volumeStorageLocation ? "EXTERNAL" : "MANAGED",
            storageLocation: args.volumeStorageLocation,
            comment: "Landing zone for training data; new files start the training job.",
        };
        const volume = new databricks.Volume(
            `${name}-volume`,
            volumeInputs,
            pulumi.mergeOptions(
                stateful,
                adoptOptions(args.adopt?.volume, volumeInputs, "databricks:index/volume:Volume"),
            ),
        );
        new databricks.Grants(
            `${name}-volume-grants`,
            { volume: volume.id, grants: args.grants.volume },
            { parent: this },
        );

        this.fullName = pulumi.interpolate`${schema.catalogName}.${schema.name}.${model.name}`;
        this.schemaName = schema.name;
        this.volumePath = volume.volumePath;
        this.registerOutputs({
            fullName: this.fullName,
            schemaName: this.schemaName,
            volumePath: this.volumePath,
        });
    }

    private declareSchema(
        name: string,
        args: RegisteredModelArgs,
        stateful: pulumi.CustomResourceOptions,
    ): databricks.Schema {
        const schemaInputs: databricks.SchemaArgs = {
            catalogName: args.catalog,
            name: args.schema,
            comment: "ML project data: features, predictions, inference tables, models. Managed by Pulumi.",
            // Left out unless set, so that production schemas show no change.
            forceDestroy: args.forceDestroy ? true : undefined,
        };
        const schema = new databricks.Schema(
            `${name}-schema`,
            schemaInputs,
            // Unity Catalog adds system-managed keys to a schema's properties after it is created,
            // and the provider reads them back (catalog/resource_schema.go Read): without this every
            // preview would remove them. The program sets no schema properties of its own.
            pulumi.mergeOptions(
                { ...stateful, ignoreChanges: ["properties"] },
                adoptOptions(args.adopt?.schema, schemaInputs, "databricks:index/schema:Schema"),
            ),
        );
        new databricks.Grants(
            `${name}-schema-grants`,
            { schema: schema.id, grants: args.grants.schema },
            { parent: this },
        );
        return schema;
    }

    private declareModel(
        name: string,
        args: RegisteredModelArgs,
        schema: { catalogName: pulumi.Output<string>; name: pulumi.Output<string> },
        stateful: pulumi.CustomResourceOptions,
    ): databricks.RegisteredModel {
        const modelInputs: databricks.RegisteredModelArgs = {
            catalogName: schema.catalogName,
            schemaName: schema.name,
            name: args.modelName,
            comment: args.comment,
            owner: args.owner,
        };
        const model = new databricks.RegisteredModel(
            name,
            modelInputs,
            pulumi.mergeOptions(
                stateful,
                adoptOptions(args.adopt?.model, modelInputs, "databricks:index/registeredModel:RegisteredModel"),
            ),
        );
        new databricks.Grants(`${name}-grants`, { model: model.id, grants: args.grants.model }, { parent: this });
        return model;
    }
}
