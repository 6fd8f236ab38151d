import { describe, expect, it } from "vitest";
import { formatKey, parseSettings } from "../config/load";
import { productionModeIssues, unknownVariables } from "../config/schema";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR, planError, planStack, stackFileConfig, tempProject } from "./harness";

const NS = "databricks-mlops";

/** The shipped prod stack's config with one change. */
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
            `Pulumi.prod.yaml: ${NS}:projects[0].serving.scaleToZro: unknown key; expected one of workloadSize, scaleToZero, routes, inferenceTablePrefix, found "scaleToZro" (check the spelling)`,
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
            `Pulumi.prod.yaml: ${NS}:projects[0].inference.cron: expected a Quartz cron expression with 6 or 7 fields (seconds first), such as '0 0 * * * ?', found "0 * * * *"`,
        ],
        [
            "routes that do not sum to 100",
            (c: any) => c[`${NS}:projects`][0].serving.routes.push({ version: "2", trafficPercentage: 20 }),
            `Pulumi.prod.yaml: ${NS}:projects[0].serving.routes: expected traffic percentages that sum to 100, found a sum of 120`,
        ],
        [
            "production without a service principal",
            (c: any) => delete c[`${NS}:runAs`],
            `Pulumi.prod.yaml: ${NS}:runAs: expected runAs.servicePrincipalName in production mode (jobs must not run as the deploying user), found nothing (the key is missing)`,
        ],
        [
            "production with a user path",
            (c: any) => (c[`${NS}:projects`][0].experimentPath = "/Users/jane@example.com/ml-project"),
            `Pulumi.prod.yaml: ${NS}:projects[0].experimentPath: expected a shared path in production mode (not under /Users/ and without the current user), found "/Users/jane@example.com/ml-project"`,
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
            `Pulumi.prod.yaml: ${NS}:runAs.servicePrincipalName: expected the service principal's application id (a GUID), not its display name, found "sp-ml-prod"`,
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
            "a non-ML runtime",
            (c: any) => (c[`${NS}:sparkVersion`] = "15.4.x-scala2.12"),
            `Pulumi.prod.yaml: ${NS}:sparkVersion: expected an ML runtime such as '15.4.x-ml-scala2.12', found "15.4.x-scala2.12"`,
        ],
    ])("%s", async (_what, change, message) => {
        const err = await planError("prod", prodWith(change));
        expect(err.name).toBe("ConfigError");
        expect(err.message).toContain(message);
    });

    it("names Pulumi.yaml when the bad value is a project default", async () => {
        const projectYaml = fs
            .readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")
            .replace("default: 4\n", "default: 100\n");
        const dir = tempProject("prod", stackFileConfig("prod"), projectYaml);
        await expect(planStack("prod", { projectDir: dir })).rejects.toThrow(
            `Pulumi.yaml: ${NS}:numWorkers: expected at most maxWorkers (8), found 100`,
        );
    });

    it("reports every problem at once", () => {
        const raw = { ...(prodWithParsed() as object), catalog: 5, mode: "staging" };
        expect(() => parseSettings(NS, raw, () => "Pulumi.x.yaml")).toThrow(
            /2 problems\):\n {2}Pulumi\.x\.yaml: databricks-mlops:mode: expected one of "development", "production", found "staging"\n {2}Pulumi\.x\.yaml: databricks-mlops:catalog: expected string, found 5/,
        );
    });
});

/** The prod stack's raw settings (namespace stripped, defaults added). */
function prodWithParsed(): Record<string, unknown> {
    const out: Record<string, unknown> = {
        sparkVersion: "15.4.x-ml-scala2.12",
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

    it("accepts a production stack with a service principal and shared paths", () => {
        expect(
            productionModeIssues({
                runAs: { servicePrincipalName: "sp" },
                projects: [{ experimentPath: "/Shared/x", monitor: {} }],
            }),
        ).toEqual([]);
    });

    it("parses the shipped prod stack", () => {
        const s = parseSettings(NS, prodWithParsed(), () => "Pulumi.prod.yaml");
        expect(s.mode).toBe("production");
        expect(s.projects[0].training).toEqual({ trigger: {}, minAccuracy: 0.85, minF1: 0.8 });
        expect(s.projects[0].serving.routes).toEqual([{ version: "1", trafficPercentage: 100 }]);
    });
});
