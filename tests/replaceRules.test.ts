import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { forcesReplacement, REPLACE_RULES_SOURCES, replaceRulesFor } from "../plan/replaceRules";
import { PROJECT_DIR, planStack } from "./harness";

function installedVersion(pkg: string): string {
    const file = path.join(PROJECT_DIR, "node_modules", "@pulumi", pkg, "package.json");
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
}

/** Dotted input paths of a value, lists transparent, not descending into the type's free-form maps. */
function inputPaths(value: unknown, prefix: string, maps: Set<string>, out: Set<string>): void {
    if (Array.isArray(value)) {
        for (const v of value) inputPaths(v, prefix, maps, out);
        return;
    }
    if (value === null || typeof value !== "object") return;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const p = prefix ? `${prefix}.${k}` : k;
        out.add(p);
        if (!maps.has(p)) inputPaths(v, p, maps, out);
    }
}

describe("replacement rules table", () => {
    it.each(Object.entries(REPLACE_RULES_SOURCES))("names the installed version of %s", (pkg, source) => {
        expect(source.package).toBe(`@pulumi/${pkg}`);
        expect(source.packageVersion).toBe(installedVersion(pkg));
    });

    it.each(["dev", "prod", "azure-dev"])("covers every type and input path stack %s sets", async (stack) => {
        const run = await planStack(stack);
        const missing: string[] = [];
        for (const { newState: s } of run.doc.steps) {
            if (!s.custom || s.type.startsWith("pulumi:providers:")) {
                expect(replaceRulesFor(s.type)).toBeUndefined();
                continue;
            }
            const rules = replaceRulesFor(s.type);
            if (!rules) {
                missing.push(s.type);
                continue;
            }
            const known = new Set(rules.properties);
            const paths = new Set<string>();
            inputPaths(s.inputs, "", new Set(rules.maps ?? []), paths);
            for (const p of paths) if (!known.has(p)) missing.push(`${s.type} ${p}`);
        }
        expect(missing).toEqual([]);
    });

    it("lists only known properties as replace-on-change, sorted", () => {
        for (const type of [
            "databricks:index/job:Job",
            "databricks:index/schema:Schema",
            "azure-native:storage:StorageAccount",
        ]) {
            const rules = replaceRulesFor(type)!;
            expect(rules.replaceOnChanges.filter((p) => !rules.properties.includes(p))).toEqual([]);
            expect([...rules.properties].sort()).toEqual(rules.properties);
        }
    });

    // Each row is what the upstream source says (terraform-provider-databricks, pulumi-azure-native).
    it.each([
        ["databricks:index/schema:Schema", "catalogName", true],
        ["databricks:index/schema:Schema", "name", true],
        ["databricks:index/schema:Schema", "comment", false],
        ["databricks:index/registeredModel:RegisteredModel", "catalogName", true],
        ["databricks:index/registeredModel:RegisteredModel", "schemaName", true],
        ["databricks:index/registeredModel:RegisteredModel", "name", true],
        ["databricks:index/registeredModel:RegisteredModel", "comment", false],
        ["databricks:index/volume:Volume", "volumeType", true],
        ["databricks:index/volume:Volume", "storageLocation", true],
        ["databricks:index/volume:Volume", "name", false],
        ["databricks:index/notebook:Notebook", "path", true],
        ["databricks:index/notebook:Notebook", "contentBase64", false],
        ["databricks:index/sqlTable:SqlTable", "tableType", true],
        ["databricks:index/storageCredential:StorageCredential", "name", true],
        ["databricks:index/storageCredential:StorageCredential", "azureManagedIdentity.accessConnectorId", false],
        ["databricks:index/externalLocation:ExternalLocation", "name", true],
        ["databricks:index/externalLocation:ExternalLocation", "url", false],
        ["databricks:index/modelServing:ModelServing", "name", true],
        ["databricks:index/modelServing:ModelServing", "config.trafficConfig.routes.trafficPercentage", false],
        ["databricks:index/modelServing:ModelServing", "config.servedEntities.entityVersion", false],
        ["databricks:index/permissions:Permissions", "jobId", true],
        ["databricks:index/permissions:Permissions", "accessControls.permissionLevel", false],
        ["databricks:index/grants:Grants", "schema", true],
        ["databricks:index/job:Job", "name", false],
        ["databricks:index/job:Job", "tasks.taskKey", false],
        ["databricks:index/mlflowExperiment:MlflowExperiment", "artifactLocation", true],
        ["databricks:index/mlflowExperiment:MlflowExperiment", "name", false],
        ["azure-native:storage:StorageAccount", "accountName", true],
        ["azure-native:storage:StorageAccount", "location", true],
        ["azure-native:storage:StorageAccount", "isHnsEnabled", true],
        ["azure-native:storage:StorageAccount", "sku.name", false],
        ["azure-native:databricks:Workspace", "workspaceName", true],
        ["azure-native:databricks:Workspace", "resourceGroupName", true],
        ["azure-native:resources:ResourceGroup", "location", true],
        ["azure-native:authorization:RoleAssignment", "principalId", true],
        ["azure-native:authorization:RoleAssignment", "scope", true],
        ["azure-native:storage:BlobContainer", "publicAccess", false],
    ] as const)("%s %s forces replacement: %s", (type, p, expected) => {
        expect(replaceRulesFor(type)!.properties).toContain(p);
        expect(forcesReplacement(type, p)).toBe(expected);
    });

    it("a change below a replace-on-change path replaces too", () => {
        const type = "databricks:index/mlflowExperiment:MlflowExperiment";
        expect(forcesReplacement(type, "providerConfig.workspaceId")).toBe(true);
        expect(forcesReplacement("databricks:index/sqlTable:SqlTable", "options.foo")).toBe(true);
        expect(forcesReplacement("databricks:index/sqlTable:SqlTable", "tableTypeX")).toBe(false);
    });

    it("has no rules for providers, components and unknown types", () => {
        expect(replaceRulesFor("pulumi:providers:databricks")).toBeUndefined();
        expect(replaceRulesFor("mlops:databricks:MlProject")).toBeUndefined();
        expect(forcesReplacement("mlops:databricks:MlProject", "name")).toBe(false);
        expect(replaceRulesFor("toString")).toBeUndefined();
    });
});
