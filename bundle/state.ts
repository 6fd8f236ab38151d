import * as fs from "node:fs";
import type { AdoptKey } from "../config/schema";
import { BundleError, isRecord } from "./load";

/**
 * What a bundle deployed to a target, from the state the Databricks CLI keeps for it:
 * the Terraform engine's `terraform.tfstate` (`.databricks/bundle/<target>/terraform/`, a state
 * of version 4 whose resources are named by their bundle key) or the direct engine's
 * `resources.json` (`.databricks/bundle/<target>/`, databricks/cli bundle/direct/dstate/state.go:
 * `{state_version, state: {"resources.<type>.<key>": {"__id__", "state"}}}`).
 */

/** One deployed object: its bundle key (`jobs.training_pipeline`), its id and what the state says of it. */
export interface DeployedObject {
    key: string;
    id: string;
    attributes: Record<string, unknown>;
}

/** Terraform resource types of the provider to the bundle's resource types (bundle/deploy/terraform/tfdyn). */
const TERRAFORM_TYPES: Record<string, string> = {
    databricks_job: "jobs",
    databricks_pipeline: "pipelines",
    databricks_mlflow_experiment: "experiments",
    databricks_mlflow_model: "models",
    databricks_registered_model: "registered_models",
    databricks_model_serving: "model_serving_endpoints",
    databricks_quality_monitor: "quality_monitors",
    databricks_schema: "schemas",
    databricks_volume: "volumes",
    databricks_cluster: "clusters",
    databricks_dashboard: "dashboards",
    databricks_app: "apps",
    databricks_secret_scope: "secret_scopes",
    databricks_sql_warehouse: "sql_warehouses",
    databricks_database_instance: "database_instances",
};

export function readDeploymentState(file: string): DeployedObject[] {
    let doc: unknown;
    try {
        doc = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new BundleError(`--state: ${file}: expected a bundle deployment state (JSON): ${(err as Error).message}`);
    }
    if (isRecord(doc) && Array.isArray(doc.resources) && typeof doc.version === "number") {
        if (doc.version !== 4)
            throw new BundleError(
                `--state: ${file}: expected a Terraform state of version 4, found version ${doc.version}`,
            );
        const out: DeployedObject[] = [];
        for (const r of doc.resources) {
            if (!isRecord(r) || r.mode !== "managed" || typeof r.type !== "string") continue;
            const type = TERRAFORM_TYPES[r.type];
            const attributes =
                Array.isArray(r.instances) && isRecord(r.instances[0]) ? r.instances[0].attributes : undefined;
            if (!type || !isRecord(attributes) || typeof attributes.id !== "string") continue;
            out.push({ key: `${type}.${String(r.name)}`, id: attributes.id, attributes });
        }
        return out;
    }
    if (isRecord(doc) && isRecord(doc.state) && typeof doc.state_version === "number") {
        const out: DeployedObject[] = [];
        for (const [key, entry] of Object.entries(doc.state)) {
            const parts = key.split(".");
            // `resources.jobs.foo.permissions` and `.grants` are sub-resources, not objects.
            if (parts.length !== 3 || parts[0] !== "resources" || !isRecord(entry)) continue;
            const id = entry.__id__;
            if (typeof id !== "string") continue;
            out.push({ key: `${parts[1]}.${parts[2]}`, id, attributes: isRecord(entry.state) ? entry.state : {} });
        }
        return out;
    }
    throw new BundleError(
        `--state: ${file}: expected a terraform.tfstate (version 4) or a direct-engine resources.json (state_version), found neither`,
    );
}

/** A job is named by its name, which an update changes in place; `urn`: its resource name's suffix. */
function jobIdentity(urn: string): { fields: [string, string][]; replaces: boolean; urn: string; type: string } {
    return { fields: [["name", "name"]], replaces: false, urn, type: "databricks:index/job:Job" };
}

/** The inputs that name an object, per adopt key: deployed value (snake_case) against declared (camelCase). */
export const IDENTITY: Record<AdoptKey, { fields: [string, string][]; replaces: boolean; urn: string; type: string }> =
    {
        trainingJob: jobIdentity("-training"),
        inferenceJob: jobIdentity("-inference"),
        featureTableJob: jobIdentity("-feature-table"),
        retrainingJob: jobIdentity("-retraining"),
        experiment: {
            fields: [["name", "name"]],
            replaces: false,
            urn: "-experiment",
            type: "databricks:index/mlflowExperiment:MlflowExperiment",
        },
        schema: {
            fields: [
                ["catalog_name", "catalogName"],
                ["name", "name"],
            ],
            replaces: true,
            urn: "-model-schema",
            type: "databricks:index/schema:Schema",
        },
        registeredModel: {
            fields: [
                ["catalog_name", "catalogName"],
                ["schema_name", "schemaName"],
                ["name", "name"],
            ],
            replaces: true,
            urn: "-model",
            type: "databricks:index/registeredModel:RegisteredModel",
        },
        volume: {
            fields: [
                ["catalog_name", "catalogName"],
                ["schema_name", "schemaName"],
                ["name", "name"],
            ],
            replaces: true,
            urn: "-model-volume",
            type: "databricks:index/volume:Volume",
        },
        servingEndpoint: {
            fields: [["name", "name"]],
            replaces: true,
            urn: "-endpoint",
            type: "databricks:index/modelServing:ModelServing",
        },
        qualityMonitor: {
            fields: [["table_name", "tableName"]],
            replaces: true,
            urn: "-monitor",
            type: "databricks:index/qualityMonitor:QualityMonitor",
        },
    };
