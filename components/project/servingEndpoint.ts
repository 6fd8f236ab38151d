import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import type { AccessControl } from "../access";
import { adoptOptions } from "./adopt";

/** One served model version and its share of the traffic. */
export interface ServedRoute {
    /**
     * What the route serves as the config names it: the version number, or the alias (`champion`),
     * which also names the served entity (`<model>-champion`), so that moving an alias updates the
     * entity's version in place.
     */
    key: string;
    /** The registered model version served, as a string (`"1"`): resolved from the alias for an alias route. */
    version: pulumi.Input<string>;
    /** Share of traffic, 0-100; all routes sum to 100. */
    trafficPercentage: number;
    /**
     * The served entity's name as a live endpoint has it (a held endpoint serves exactly its live
     * entities, whatever they are named); omitted: `<model>-<key>`.
     */
    servedEntityName?: string;
}

export interface ServingEndpointArgs {
    /** Endpoint name (prefixed in development mode by the caller). */
    endpointName: pulumi.Input<string>;
    /** Three-level name of the Unity Catalog model. */
    modelFullName: pulumi.Input<string>;
    /** Short model name, used to name the served entities (`<model>-<version>`). */
    modelName: string;
    /** One route serves one version; two give an A/B split. */
    routes: ServedRoute[];
    /** `Small`, `Medium` or `Large`. */
    workloadSize: string;
    /** Scale to zero when idle (development: on; production: off, no cold starts). */
    scaleToZero: boolean;
    /** Where the AI Gateway writes the inference table: `<catalog>.<schema>.<prefix>_payload`. */
    inferenceTable: InferenceTableLocation;
    /** Access control list of the endpoint. */
    permissions: AccessControl[];
    /**
     * Hold what the live endpoint serves: the model lacks a version or alias the routes name, and
     * the endpoint keeps serving what it serves until it has them. `routes` are then its live
     * entities (names and versions, from the endpoint list), and its traffic split, which the list
     * does not return, stays as deployed (`ignoreChanges: ["config.trafficConfig"]`). Everything
     * else follows the config: the entities' size and scale-to-zero, the AI Gateway. Default: false.
     */
    keepLiveConfig?: boolean;
    /**
     * Protect the endpoint from deletion (production): its name is the URL clients call, and a
     * delete or a replacement (a changed name) stops `pulumi up` until protection is lifted on purpose.
     */
    protect?: boolean;
    /** Name of a deployed endpoint to adopt (Pulumi `import`) instead of creating one; omitted: created. */
    adoptId?: string;
}

/** Where the AI Gateway writes the inference table. */
export interface InferenceTableLocation {
    /** The environment's catalog. */
    catalog: string;
    /** The project's schema (prefixed in development mode). */
    schema: pulumi.Input<string>;
    /** Table name prefix: the table is `<prefix>_payload`. */
    prefix: string;
}

/**
 * What a held endpoint keeps as deployed: its traffic split. The engine resets each
 * `ignoreChanges` path, nested ones too, to the state's value before the provider diffs
 * (pulumi/pulumi `pkg/resource/deploy/step_generator.go`, processIgnoreChanges, with
 * `sdk/go/common/resource/properties_path.go`, PropertyPath.Reset), so the rest of `config` (the
 * served entities' size and scale-to-zero) still updates. An object-valued leaf is reset whole,
 * or removed where the state has none: no index that could be missing on either side.
 */
export const HELD_PATHS = ["config.trafficConfig"];

/** The served entity name of a route: `<model>-<version>` or `<model>-<alias>`. */
export function servedEntityName(modelName: string, key: string): string {
    return `${modelName}-${key}`;
}

/** The table the AI Gateway writes requests and responses to. */
export function inferenceTableName(t: { catalog: string; schema: string; prefix: string }): string {
    return `${t.catalog}.${t.schema}.${t.prefix}_payload`;
}

/**
 * A model serving endpoint for versions of the Unity Catalog model, with traffic routes, AI
 * Gateway inference tables (the legacy `auto_capture_config` is retired) and permissions.
 */
export class ServingEndpoint extends pulumi.ComponentResource {
    /** The endpoint's name. */
    public readonly endpointName: pulumi.Output<string>;
    /** The endpoint's id, for permissions. */
    public readonly servingEndpointId: pulumi.Output<string>;
    /** Full name of the inference table the endpoint writes. */
    public readonly inferenceTableName: pulumi.Output<string>;

    constructor(name: string, args: ServingEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:ServingEndpoint", name, {}, opts);

        const entityNameOf = (r: ServedRoute) => r.servedEntityName ?? servedEntityName(args.modelName, r.key);
        const inputs: databricks.ModelServingArgs = {
            name: args.endpointName,
            config: {
                servedEntities: args.routes.map((r) => ({
                    name: entityNameOf(r),
                    entityName: args.modelFullName,
                    entityVersion: r.version,
                    workloadSize: args.workloadSize,
                    scaleToZeroEnabled: args.scaleToZero,
                })),
                trafficConfig: {
                    routes: args.routes.map((r) => ({
                        servedEntityName: entityNameOf(r),
                        trafficPercentage: r.trafficPercentage,
                    })),
                },
            },
            aiGateway: {
                inferenceTableConfig: {
                    enabled: true,
                    catalogName: args.inferenceTable.catalog,
                    schemaName: args.inferenceTable.schema,
                    tableNamePrefix: args.inferenceTable.prefix,
                },
            },
        };
        const endpoint = new databricks.ModelServing(
            name,
            inputs,
            pulumi.mergeOptions(
                {
                    parent: this,
                    protect: args.protect ?? false,
                    ...(args.keepLiveConfig ? { ignoreChanges: HELD_PATHS } : {}),
                },
                adoptOptions(args.adoptId, inputs, "databricks:index/modelServing:ModelServing"),
            ),
        );
        new databricks.Permissions(
            `${name}-perms`,
            { servingEndpointId: endpoint.servingEndpointId, accessControls: args.permissions },
            { parent: this },
        );

        this.endpointName = endpoint.name;
        this.servingEndpointId = endpoint.servingEndpointId;
        // Derived from the endpoint, so a resource that reads the table (the quality monitor) is
        // created after the endpoint that makes the table exist.
        this.inferenceTableName = pulumi
            .all([endpoint.servingEndpointId, args.inferenceTable.schema])
            .apply(([, schema]) => inferenceTableName({ ...args.inferenceTable, schema }));
        this.registerOutputs({
            endpointName: this.endpointName,
            servingEndpointId: this.servingEndpointId,
            inferenceTableName: this.inferenceTableName,
        });
    }
}
