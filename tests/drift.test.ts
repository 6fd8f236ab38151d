import { describe, expect, it } from "vitest";
import { driftSummary, isDrift, parseDrift } from "../scripts/driftSummary";

/**
 * The daily drift check's summary (.github/workflows/drift.yml): from the text of
 * `pulumi preview --refresh --diff --expect-no-changes`, the resources and properties that drifted.
 */

/** What `pulumi preview --refresh --diff` prints when a job's schedule was changed by hand. */
const DRIFTED = `Previewing update (prod)

View in Browser (Ctrl+O): https://app.pulumi.com/acme/databricks-mlops/prod/previews/1

  pulumi:pulumi:Stack: (same)
    [urn=urn:pulumi:prod::databricks-mlops::pulumi:pulumi:Stack::databricks-mlops-prod]
    ~ databricks:index/job:Job: (update)
        [id=482913]
        [urn=urn:pulumi:prod::databricks-mlops::mlops:databricks:MlProject$mlops:databricks:InferenceJob$databricks:index/job:Job::ml-project-inference]
        [provider=urn:pulumi:prod::databricks-mlops::pulumi:providers:databricks::default_1_110_0::9c1f]
      ~ schedule: {
          ~ quartzCronExpression: "0 30 * * * ?" => "0 0 * * * ?"
        }
    ~ databricks:index/grants:Grants: (update)
        [id=function/prod_catalog.ml_data.ml_model]
        [urn=urn:pulumi:prod::databricks-mlops::mlops:databricks:MlProject$mlops:databricks:RegisteredModel$databricks:index/grants:Grants::ml-project-model-grants]
      - grants: [
          - [2]: {
                  - principal : "someone@example.com"
                  - privileges: ["ALL_PRIVILEGES"]
                }
        ]
Resources:
    ~ 2 to update
    49 unchanged

error: no changes were expected but changes were proposed
`;

const QUIET = `Previewing update (prod)

  pulumi:pulumi:Stack: (same)
    [urn=urn:pulumi:prod::databricks-mlops::pulumi:pulumi:Stack::databricks-mlops-prod]
Resources:
    51 unchanged
`;

describe("the drift summary", () => {
    it("names each drifted resource, its operation and its changed properties", () => {
        expect(parseDrift(DRIFTED)).toEqual([
            {
                op: "update",
                type: "databricks:index/job:Job",
                name: "ml-project-inference",
                properties: ["~ schedule: {", '~ quartzCronExpression: "0 30 * * * ?" => "0 0 * * * ?"'],
            },
            {
                op: "update",
                type: "databricks:index/grants:Grants",
                name: "ml-project-model-grants",
                properties: [
                    "- grants: [",
                    "- [2]: {",
                    '- principal : "someone@example.com"',
                    '- privileges: ["ALL_PRIVILEGES"]',
                ],
            },
        ]);
    });

    it("fails the run on a drift, with a table in the job summary", () => {
        const { markdown, code } = driftSummary("prod", "failure", DRIFTED);
        expect(code).toBe(1);
        expect(markdown).toContain("Drift: 2 resources differ from what the program declares.");
        expect(markdown).toContain(
            '| `ml-project-inference` | `databricks:index/job:Job` | update | `~ schedule: {`<br>`~ quartzCronExpression: "0 30 * * * ?" => "0 0 * * * ?"` |',
        );
    });

    it("passes a quiet stack", () => {
        expect(parseDrift(QUIET)).toEqual([]);
        expect(driftSummary("prod", "success", QUIET)).toEqual({
            markdown: "### Drift check of `prod`\n\nNo drift: the refreshed state matches the program.\n",
            code: 0,
        });
    });

    it("tells a failed preview (rights, credentials) from a drift", () => {
        const output =
            "error: PERMISSION_DENIED: User does not have EXECUTE on Routine or Model 'prod_catalog.ml_data.ml_model'.";
        expect(isDrift(output)).toBe(false);
        const { markdown, code } = driftSummary("prod", "failure", output);
        expect(code).toBe(3);
        expect(markdown).toContain("The preview itself failed (not a drift)");
        expect(markdown).toContain("PERMISSION_DENIED");
    });
});
