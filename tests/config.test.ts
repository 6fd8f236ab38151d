import { describe, expect, it } from "vitest";
import { formatKey, parseSettings } from "../config/load";
import { principalDeployerProblem } from "../config/deployChecks";
import { isTimeZone } from "../config/fields";
import { productionModeIssues, unknownVariables } from "../config/schema";
import * as fs from "node:fs";
import * as path from "node:path";
import { FIXTURE_DIR, planError, planStack, stackFileConfig, tempProject } from "./harness";

const NS = "databricks-mlops";

/** The example prod stack's config with one change. */
function prodWith(change: (c: Record<string, any>) => void): Record<string, unknown> {
    const config = structuredClone(stackFileConfig("prod")) as Record<string, any>;
    change(config);
    return config;
}

describe("bad stack configuration is rejected before any resource, with file, key, expected and found", () => {
    it.each([
        [
            "a wrong enum",
            (c: any) => (c[`${NS}:projects`][0].serving.workloadSize = "Huge"),
            `Pulumi.prod.yaml: ${NS}:projects[0].serving.workloadSize: expected one of "Small", "Medium", "Large", found "Huge"`,
        ],
        [
            "an unknown (misspelt) key",
            (c: any) => (c[`${NS}:projects`][0].serving.scaleToZro = true),
            `Pulumi.prod.yaml: ${NS}:projects[0].serving.scaleToZro: unknown key; expected one of workloadSize, scaleToZero, routes, endpointName, inferenceTablePrefix, found "scaleToZro" (did you mean "scaleToZero"?)`,
        ],
        [
            "an unknown top-level key",
            (c: any) => (c[`${NS}:catalogue`] = "x"),
            `Pulumi.prod.yaml: ${NS}:catalogue: unknown key;`,
        ],
        [
            "a missing key",
            (c: any) => delete c[`${NS}:catalog`],
            `Pulumi.prod.yaml: ${NS}:catalog: expected string, found nothing (the key is missing)`,
        ],
        [
            "a wrong type",
            (c: any) => (c[`${NS}:projects`][0].serving.scaleToZero = "no"),
            `Pulumi.prod.yaml: ${NS}:projects[0].serving.scaleToZero: expected boolean, found "no"`,
        ],
        [
            "a five-field cron",
            (c: any) => (c[`${NS}:projects`][0].inference.cron = "0 * * * *"),
            `Pulumi.prod.yaml: ${NS}:projects[0].inference.cron: expected a Quartz cron expression with 6 or 7 fields (seconds first), such as '0 0 * * * ?', found 5 fields`,
        ],
        [
            "routes that do not sum to 100",
            (c: any) => c[`${NS}:projects`][0].serving.routes.push({ version: "2", trafficPercentage: 20 }),
            `Pulumi.prod.yaml: ${NS}:projects[0].serving.routes: expected traffic percentages that sum to 100, found a sum of 120`,
        ],
        [
            "a runAs with neither the application id nor the display name",
            (c: any) => (c[`${NS}:runAs`] = {}),
            `Pulumi.prod.yaml: ${NS}:runAs: expected servicePrincipalName (the application id) or displayName, found neither`,
        ],
        [
            "production with a user path",
            (c: any) => (c[`${NS}:projects`][0].experimentPath = "/Users/jane@example.com/ml-project"),
            `Pulumi.prod.yaml: ${NS}:projects[0].experimentPath: expected a shared path in production mode, or the runAs principal's own home (9f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c) such as /Workspace/Users/9f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c/... (not another user's folder), found "/Users/jane@example.com/ml-project"`,
        ],
        [
            "an unknown path variable",
            (c: any) => (c[`${NS}:projects`][0].experimentPath = "/Shared/${var.nope}/x"),
            `Pulumi.prod.yaml: ${NS}:projects[0].experimentPath: expected only the variables \${workspace.current_user.userName}, \${workspace.current_user.short_name}, found "/Shared/\${var.nope}/x"`,
        ],
        [
            "a node type outside the allow-list",
            (c: any) => (c[`${NS}:nodeType`] = "Standard_NC6"),
            `Pulumi.prod.yaml: ${NS}:nodeType: expected one of the allowed nodeTypes (Standard_DS3_v2, Standard_DS4_v2, Standard_DS5_v2), found "Standard_NC6"`,
        ],
        [
            "a service principal's display name instead of its application id",
            (c: any) => (c[`${NS}:runAs`].servicePrincipalName = "sp-ml-prod"),
            `Pulumi.prod.yaml: ${NS}:runAs.servicePrincipalName: expected the service principal's application id (a GUID), not its display name (set that as runAs.displayName), found "sp-ml-prod"`,
        ],
        [
            "a job cluster without workers",
            (c: any) => (c[`${NS}:numWorkers`] = 0),
            `Pulumi.prod.yaml: ${NS}:numWorkers: expected a number >= 1, found 0`,
        ],
        [
            "an empty list",
            (c: any) => (c[`${NS}:projects`][0].serving.routes = []),
            `Pulumi.prod.yaml: ${NS}:projects[0].serving.routes: expected at least 1 item, found []`,
        ],
        [
            "a route version that is not a version number",
            (c: any) => (c[`${NS}:projects`][0].serving.routes[0].version = 1.5),
            `Pulumi.prod.yaml: ${NS}:projects[0].serving.routes[0].version: expected a model version number such as "1", found 1.5`,
        ],
        [
            "the same version routed twice",
            (c: any) =>
                (c[`${NS}:projects`][0].serving.routes = [
                    { version: "1", trafficPercentage: 50 },
                    { version: "1", trafficPercentage: 50 },
                ]),
            `Pulumi.prod.yaml: ${NS}:projects[0].serving.routes: expected each model version or alias once, found version 1 twice`,
        ],
        [
            "a bad email",
            (c: any) => (c[`${NS}:failureEmails`] = ["oncall"]),
            `Pulumi.prod.yaml: ${NS}:failureEmails[0]: expected an email address, found "oncall"`,
        ],
        [
            "a bad tag key",
            (c: any) => (c[`${NS}:tags`] = { "cost center": "x" }),
            `Pulumi.prod.yaml: ${NS}:tags.cost center: expected tag keys of letters, digits, '_', '.' and '-', found "cost center"`,
        ],
        [
            "a tag the program sets",
            (c: any) => (c[`${NS}:tags`] = { project: "other" }),
            `Pulumi.prod.yaml: ${NS}:tags.project: expected no "project" tag: the program sets it (to the project name), found "other"`,
        ],
        [
            "cron fields that are not Quartz",
            (c: any) => (c[`${NS}:projects`][0].inference.cron = "a b c d e ?"),
            `Pulumi.prod.yaml: ${NS}:projects[0].inference.cron: expected a valid seconds field (values 0-59), found 'a'`,
        ],
        [
            "an hour out of range",
            (c: any) => (c[`${NS}:projects`][0].inference.cron = "0 0 25 * * ?"),
            `Pulumi.prod.yaml: ${NS}:projects[0].inference.cron: expected a valid hours field (values 0-23), found '25'`,
        ],
        [
            "a day-of-week out of range in the monitor schedule",
            (c: any) => (c[`${NS}:projects`][0].monitor.schedule.cron = "0 0 6 ? * 8"),
            `Pulumi.prod.yaml: ${NS}:projects[0].monitor.schedule.cron: expected a valid day-of-week field (values 1-7 or SUN-SAT), found '8'`,
        ],
        [
            "a cron with '?' in neither day field",
            (c: any) => (c[`${NS}:projects`][0].inference.cron = "0 0 6 * * MON"),
            `Pulumi.prod.yaml: ${NS}:projects[0].inference.cron: expected '?' in exactly one of the day-of-month and day-of-week fields, such as '0 0 6 * * ?'`,
        ],
        [
            "a route with both a version and an alias",
            (c: any) =>
                (c[`${NS}:projects`][0].serving.routes = [{ version: "1", alias: "champion", trafficPercentage: 100 }]),
            `Pulumi.prod.yaml: ${NS}:projects[0].serving.routes[0]: expected either version or alias in a route, found both`,
        ],
        [
            "an upper-case schema",
            (c: any) => (c[`${NS}:projects`][0].schema = "ML_Data"),
            `Pulumi.prod.yaml: ${NS}:projects[0].schema: expected a lower-case Unity Catalog name (a-z, digits, underscores), found "ML_Data"`,
        ],
        [
            "an upper-case catalog",
            (c: any) => (c[`${NS}:catalog`] = "Prod_Catalog"),
            `Pulumi.prod.yaml: ${NS}:catalog: expected a lower-case Unity Catalog name (a-z, digits, underscores), found "Prod_Catalog"`,
        ],
        [
            "a project name that makes the endpoint name too long",
            (c: any) => (c[`${NS}:projects`][0].name = "a-very-long-project-name-for-churn-models"),
            `Pulumi.prod.yaml: ${NS}:projects[0].name: expected lower case letters, digits and '-', at most 40, found "a-very-long-project-name-for-churn-models"`,
        ],
        [
            "a production environment in development mode",
            (c: any) => (c[`${NS}:mode`] = "development"),
            `Pulumi.prod.yaml: ${NS}:mode: expected a mode that matches environment "prod" (or allowModeMismatch: true to deploy it so on purpose), found "development"`,
        ],
        [
            "a key in a namespace nothing reads",
            (c: any) => (c["mlops:tags"] = { team: "ml" }),
            `Pulumi.prod.yaml: mlops:tags: unknown namespace; expected one of ${NS}, databricks, azure-native, pulumi, found "mlops"`,
        ],
        [
            "an existing cluster policy without its id",
            (c: any) => (c[`${NS}:clusterPolicy`] = { mode: "existing" }),
            `Pulumi.prod.yaml: ${NS}:clusterPolicy.id: expected the id of the existing cluster policy (mode "existing"), found nothing (the key is missing)`,
        ],
        [
            "a created warehouse with an id",
            (c: any) => (c[`${NS}:sqlWarehouse`] = { mode: "created", id: "0123456789abcdef" }),
            `Pulumi.prod.yaml: ${NS}:sqlWarehouse.id: expected no id when the SQL warehouse is created (mode "created"); set mode to "existing" to use it, found "0123456789abcdef"`,
        ],
        [
            "a time zone in the wrong case",
            (c: any) => (c[`${NS}:projects`][0].inference.timezone = "europe/london"),
            `Pulumi.prod.yaml: ${NS}:projects[0].inference.timezone: expected an IANA/Java time zone id such as 'UTC', found "europe/london"`,
        ],
        [
            "a table name that is not three-level",
            (c: any) => (c[`${NS}:projects`][0].inference.outputTable = "predictions"),
            `Pulumi.prod.yaml: ${NS}:projects[0].inference.outputTable: expected a lower-case three-level table name such as 'catalog.schema.table', found "predictions"`,
        ],
        [
            "a labels table without a label column",
            (c: any) => {
                c[`${NS}:projects`][0].monitor.labelsTable = "prod_catalog.ml_data.labels";
                delete c[`${NS}:projects`][0].monitor.labelCol;
            },
            `Pulumi.prod.yaml: ${NS}:projects[0].monitor.labelsTable: expected monitor.labelCol too: the labels table is joined into that column, found "prod_catalog.ml_data.labels"`,
        ],
        [
            "more violation windows than windows read",
            (c: any) => (c[`${NS}:projects`][0].retraining = { evaluationWindows: 3, violationWindows: 4 }),
            `Pulumi.prod.yaml: ${NS}:projects[0].retraining.violationWindows: expected at most retraining.evaluationWindows (3) windows, found 4`,
        ],
        [
            "an input column that is the prediction",
            (c: any) => (c[`${NS}:projects`][0].monitor.inputColumns = ["tenure", "prediction"]),
            `Pulumi.prod.yaml: ${NS}:projects[0].monitor.inputColumns[1]: expected an input column of the model, once, not one of the processed table's own columns (timestamp, request_date, databricks_request_id, model_id, model_version, prediction, label, record_index), found "prediction"`,
        ],
        [
            "a negative minimum improvement",
            (c: any) => (c[`${NS}:projects`][0].training = { minImprovement: -0.1 }),
            `Pulumi.prod.yaml: ${NS}:projects[0].training.minImprovement: expected`,
        ],
        [
            "two projects in one schema",
            (c: any) =>
                c[`${NS}:projects`].push({ ...c[`${NS}:projects`][0], name: "other", experimentPath: "/Shared/other" }),
            `Pulumi.prod.yaml: ${NS}:projects[1].schema: expected each project to have its own schema, found "ml_data" twice`,
        ],
        [
            "production with a /Workspace/Users/ path",
            (c: any) => (c[`${NS}:workspaceRootPath`] = "/Workspace/Users/jane@example.com/.bundle"),
            `Pulumi.prod.yaml: ${NS}:workspaceRootPath: expected a shared path in production mode`,
        ],
        [
            "a misspelt namespace",
            (c: any) => (c["databricks-mlop:failureEmails"] = ["oncall@example.com"]),
            `Pulumi.prod.yaml: databricks-mlop:failureEmails: unknown namespace; expected one of ${NS}, databricks, azure-native, pulumi, found "databricks-mlop" (did you mean ${NS}:failureEmails?)`,
        ],
        [
            "created-workspace settings on an existing workspace",
            (c: any) => (c[`${NS}:workspace`] = { mode: "existing", landingContainer: "data" }),
            `Pulumi.prod.yaml: ${NS}:workspace.landingContainer: expected no landingContainer with an existing workspace`,
        ],
        [
            "a runtime without a tested local environment (15.4 LTS ML ships MLflow 2.13)",
            (c: any) => (c[`${NS}:sparkVersion`] = "15.4.x-ml-scala2.12"),
            `Pulumi.prod.yaml: ${NS}:sparkVersion: expected a Databricks ML runtime this project has a tested local environment for (18.x-cpu-ml-scala2.13, 17.3.x-cpu-ml-scala2.13; docs/workloads.md says how to add one), found "15.4.x-ml-scala2.12"`,
        ],
        [
            "a non-ML runtime",
            (c: any) => (c[`${NS}:sparkVersion`] = "18.x-scala2.13"),
            `Pulumi.prod.yaml: ${NS}:sparkVersion: expected a Databricks ML runtime this project has a tested local environment for (18.x-cpu-ml-scala2.13, 17.3.x-cpu-ml-scala2.13; docs/workloads.md says how to add one), found "18.x-scala2.13"`,
        ],
    ])("%s", async (_what, change, message) => {
        const err = await planError("prod", prodWith(change));
        expect(err.name).toBe("ConfigError");
        expect(err.message).toContain(message);
    });

    it("names Pulumi.yaml when the bad value is a project default", async () => {
        const projectYaml = fs
            .readFileSync(path.join(FIXTURE_DIR, "Pulumi.yaml"), "utf8")
            .replace("default: 4\n", "default: 100\n");
        const dir = tempProject("prod", stackFileConfig("prod"), projectYaml);
        await expect(planStack("prod", { projectDir: dir })).rejects.toThrow(
            `Pulumi.yaml: ${NS}:numWorkers: expected at most maxWorkers (8), found 100`,
        );
    });

    it("reports every problem at once", () => {
        const raw = { ...(prodWithParsed() as object), catalog: 5, mode: "staging" };
        expect(() => parseSettings(NS, raw, () => "Pulumi.x.yaml")).toThrow(
            /2 problems\):\n {2}Pulumi\.x\.yaml: databricks-mlops:mode: expected one of "development", "production", "none", found "staging"\n {2}Pulumi\.x\.yaml: databricks-mlops:catalog: expected string, found 5/,
        );
    });
});

/** The prod stack's raw settings (namespace stripped, defaults added). */
function prodWithParsed(): Record<string, unknown> {
    const out: Record<string, unknown> = {
        sparkVersion: "18.x-cpu-ml-scala2.13",
        nodeTypes: ["Standard_DS3_v2"],
        nodeType: "Standard_DS3_v2",
        numWorkers: 1,
        maxWorkers: 2,
        autoterminationMinutes: 60,
    };
    for (const [k, v] of Object.entries(stackFileConfig("prod"))) out[k.replace(`${NS}:`, "")] = v;
    return out;
}

describe("config helpers", () => {
    it.each([
        [["projects", 0, "serving", "routes", 1, "version"], `${NS}:projects[0].serving.routes[1].version`],
        [["catalog"], `${NS}:catalog`],
    ])("formats %j as %s", (path, key) => {
        expect(formatKey(NS, path)).toBe(key);
    });

    it("finds unknown path variables", () => {
        expect(unknownVariables("/Users/${workspace.current_user.userName}/x")).toEqual([]);
        expect(unknownVariables("/a/${bundle.target}/${workspace.current_user.short_name}")).toEqual([
            "${bundle.target}",
        ]);
    });

    it.each([
        ["the runAs principal's home", { servicePrincipalName: "sp" }, undefined, "/Users/sp/x", true],
        ["another user's home", { servicePrincipalName: "sp" }, undefined, "/Users/jane@example.com/x", false],
        [
            "the deploying principal's home, without runAs",
            undefined,
            undefined,
            "/Users/${workspace.current_user.userName}/x",
            true,
        ],
        [
            "the current user's home, runAs owning the models (the deployer must be it)",
            { servicePrincipalName: "sp" },
            undefined,
            "/Workspace/Users/${workspace.current_user.userName}/x",
            true,
        ],
        [
            "the current user's home, a group owning the models (anyone of it deploys)",
            { servicePrincipalName: "sp" },
            { group: "ml" },
            "/Users/${workspace.current_user.userName}/x",
            false,
        ],
    ] as const)("production mode: an experiment in %s (accepted: $4)", (_, runAs, modelOwner, experimentPath, ok) => {
        const issues = productionModeIssues({
            runAs,
            modelOwner,
            projects: [{ experimentPath, monitor: {} }],
        });
        expect(issues.map((i) => i.path)).toEqual(ok ? [] : [["projects", 0, "experimentPath"]]);
    });

    it("production mode without runAs: the deploying identity must be a service principal", () => {
        const s = { ...parseSettings(NS, prodWithParsed(), () => "Pulumi.prod.yaml"), runAs: undefined };
        expect(principalDeployerProblem(s, "9f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c")).toBeUndefined();
        expect(principalDeployerProblem(s, "jane.doe@example.com")?.message).toBe(
            "expected runAs (the service principal the jobs run as) in production mode, or the stack deployed by a service principal, found the user jane.doe@example.com deploying without runAs: the jobs would run as jane.doe@example.com",
        );
        expect(principalDeployerProblem({ ...s, mode: "none" }, "jane.doe@example.com")).toBeUndefined();
    });

    it("mode none: no mode checks, as a bundle target without mode", () => {
        const raw: Record<string, unknown> = {
            ...prodWithParsed(),
            mode: "none",
            environment: "prod",
            workspaceRootPath: "/Shared/x",
        };
        delete raw.runAs;
        delete raw.modelOwner;
        const s = parseSettings(NS, raw, () => "Pulumi.prod.yaml");
        expect([s.mode, s.runAs]).toEqual(["none", undefined]);
    });

    it("accepts a production stack with a service principal and shared paths", () => {
        expect(
            productionModeIssues({
                runAs: { servicePrincipalName: "sp" },
                projects: [{ experimentPath: "/Shared/x", monitor: {} }],
            }),
        ).toEqual([]);
    });

    it("parses the example prod stack", () => {
        const s = parseSettings(NS, prodWithParsed(), () => "Pulumi.prod.yaml");
        expect(s.mode).toBe("production");
        expect(s.projects[0].training).toEqual({ minAccuracy: 0.85, minF1: 0.8, windowDays: 90, minImprovement: 0 });
        expect(s.projects[0].serving.routes).toEqual([{ alias: "champion", trafficPercentage: 100 }]);
    });
});

describe("time zone ids", () => {
    // The oracle: what Intl.DateTimeFormat resolves the id to (case kept, as Java's ZoneId does).
    const byFormat = (tz: string) => {
        try {
            const resolved = new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone;
            return resolved === tz || resolved.toLowerCase() !== tz.toLowerCase();
        } catch {
            return false;
        }
    };

    it("accepts exactly what Intl.DateTimeFormat resolves, the canonical list's short cut included", () => {
        const ids = [
            ...Intl.supportedValuesOf("timeZone"),
            "UTC",
            "Etc/UTC",
            "GMT",
            "Asia/Calcutta",
            "US/Pacific",
            "europe/london",
            "utc",
            "Mars/Olympus",
            "",
        ];
        expect(ids.filter((tz) => isTimeZone(tz) !== byFormat(tz))).toEqual([]);
        expect(isTimeZone("UTC")).toBe(true);
        expect(isTimeZone("europe/london")).toBe(false);
    });
});
