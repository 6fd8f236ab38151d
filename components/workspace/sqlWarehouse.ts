import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import type { AccessControl } from "../access";

export interface SqlWarehouseArgs {
    /** Display name of the warehouse (prefixed in development mode by the caller). */
    warehouseName: pulumi.Input<string>;
    /** T-shirt size of the warehouse's clusters, such as `2X-Small`. */
    clusterSize: string;
    /** Idle minutes before the warehouse stops. */
    autoStopMinutes: number;
    /** Tags on the warehouse's compute (cost attribution). */
    tags: pulumi.Input<Record<string, string>>;
    /** Who may use or manage the warehouse. */
    permissions: AccessControl[];
}

/**
 * A serverless SQL warehouse shared by the stack's projects: it runs the DDL of the tables this
 * program declares (the processed inference tables) and the quality monitors' dashboards. Without
 * one the provider starts, or reuses, a `terraform-sql-table` cluster, which needs the
 * cluster-creation entitlement that most developers do not have.
 */
export class SqlWarehouse extends pulumi.ComponentResource {
    /** The warehouse's id. */
    public readonly warehouseId: pulumi.Output<string>;

    constructor(name: string, args: SqlWarehouseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:SqlWarehouse", name, {}, opts);

        const warehouse = new databricks.SqlEndpoint(
            name,
            {
                name: args.warehouseName,
                clusterSize: args.clusterSize,
                autoStopMins: args.autoStopMinutes,
                enableServerlessCompute: true,
                // Serverless warehouses are PRO warehouses; said explicitly, as the provider asks.
                warehouseType: "PRO",
                minNumClusters: 1,
                maxNumClusters: 1,
                tags: {
                    customTags: pulumi.output(args.tags).apply((tags) =>
                        Object.keys(tags)
                            .sort()
                            .map((key) => ({ key, value: tags[key] })),
                    ),
                },
            },
            { parent: this },
        );
        new databricks.Permissions(
            `${name}-perms`,
            { sqlEndpointId: warehouse.id, accessControls: args.permissions },
            { parent: this },
        );

        this.warehouseId = warehouse.id;
        this.registerOutputs({ warehouseId: this.warehouseId });
    }
}
