import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { STACK_SETTINGS, PROJECT_SETTINGS } from "../config/scopes";
import { main } from "../scripts/promote";
import { FIXTURE_DIR, fixtureCopy, inProcess } from "./harness";

const NS = "databricks-mlops";

/** `npm run promote -- <args>` in this process, over the fixture project unless told otherwise. */
function promote(args: string[]) {
    return inProcess(main, args.includes("--project-dir") ? args : [...args, "--project-dir", FIXTURE_DIR]);
}

/** A copy of the fixture project's config files, with the dev (and prod) stack file's text edited. */
function project(editDev: (text: string) => string, editProd: (text: string) => string = (t) => t): string {
    const dir = fixtureCopy();
    for (const [stack, edit] of [
        ["dev", editDev],
        ["prod", editProd],
    ] as const) {
        const file = path.join(dir, `Pulumi.${stack}.yaml`);
        fs.writeFileSync(file, edit(fs.readFileSync(file, "utf8")));
    }
    return dir;
}

/** dev tries a new cron and a new runtime, and a catalog and run-as of its own. */
const devChange = (text: string) =>
    text
        .replace("databricks-mlops:catalog: dev_catalog", "databricks-mlops:catalog: dev_catalog_2")
        .replace(
            "      modelComment: Development model for ml-project\n",
            "      modelComment: Development model for ml-project\n      inference:\n        cron: 0 30 * * * ?\n",
        ) +
    "  databricks-mlops:sparkVersion: 17.3.x-cpu-ml-scala2.13\n" +
    "  databricks-mlops:runAs:\n    servicePrincipalName: 00000000-1111-2222-3333-444444444444\n";

describe("settings are marked promotable or environment-scoped", () => {
    it("marks every setting of the schema", () => {
        const unmarked = [...STACK_SETTINGS, ...PROJECT_SETTINGS].filter((s) => s.scope === undefined);
        expect(unmarked.map((s) => s.path.join("."))).toEqual([]);
    });

    it.each([
        ["sparkVersion", "promotable"],
        ["numWorkers", "promotable"],
        ["catalog", "environment"],
        ["mode", "environment"],
        ["runAs", "environment"],
        ["workspace", "environment"],
    ])("stack setting %s is %s", (key, scope) => {
        expect(STACK_SETTINGS.find((s) => s.path.join(".") === key)?.scope).toBe(scope);
    });

    it.each([
        ["inference.cron", "promotable"],
        ["training.minAccuracy", "promotable"],
        ["monitor.granularities", "promotable"],
        ["modelName", "environment"],
        ["serving.routes", "environment"],
        ["serving.scaleToZero", "environment"],
        ["inference.pauseStatus", "environment"],
    ])("project setting %s is %s", (key, scope) => {
        expect(PROJECT_SETTINGS.find((s) => s.path.join(".") === key)?.scope).toBe(scope);
    });
});

describe("npm run promote", () => {
    it("says so when there is nothing to promote", async () => {
        const { code, stdout } = await promote(["--from", "dev", "--to", "prod"]);
        expect(code).toBe(0);
        expect(stdout).toBe("Nothing to promote: the promotable settings of dev and prod are the same.\n");
    });

    it("lists exactly the promotable changes, and --write changes only those lines of the target", async () => {
        const dir = project(devChange);
        const listed = await promote(["--from", "dev", "--to", "prod", "--project-dir", dir]);
        expect(listed.code).toBe(0);
        expect(listed.stdout.split("\n").filter((l) => l.startsWith("  ~"))).toEqual([
            '  ~ sparkVersion: "18.x-cpu-ml-scala2.13" => "17.3.x-cpu-ml-scala2.13"',
            '  ~ ml-project inference.cron: "0 0 * * * ?" => "0 30 * * * ?"',
        ]);
        const before = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8");
        const written = await promote(["--from", "dev", "--to", "prod", "--project-dir", dir, "--write"]);
        expect(written.code).toBe(0);
        // The prod plan diff shows the promoted values where they land.
        expect(written.stdout).toContain('~ schedule.quartzCronExpression: "0 0 * * * ?" => "0 30 * * * ?"');
        expect(written.stdout).toContain(
            '~ jobClusters[0].newCluster.sparkVersion: "18.x-cpu-ml-scala2.13" => "17.3.x-cpu-ml-scala2.13"',
        );
        const after = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8");
        // Comments and every existing line kept; only the promoted keys added.
        expect(after).toBe(
            before.replace(
                "            trafficPercentage: 100\n",
                "            trafficPercentage: 100\n      inference:\n        cron: 0 30 * * * ?\n",
            ) + "  databricks-mlops:sparkVersion: 17.3.x-cpu-ml-scala2.13\n",
        );
        const config = (parse(after) as { config: Record<string, unknown> }).config;
        expect(config[`${NS}:catalog`]).toBe("prod_catalog");
        expect((config[`${NS}:runAs`] as { servicePrincipalName: string }).servicePrincipalName).toBe(
            "9f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c",
        );
        // Promoted: nothing left to promote.
        const again = await promote(["--from", "dev", "--to", "prod", "--project-dir", dir]);
        expect(again.stdout).toMatch(/^Nothing to promote/);
    });

    it("writes nothing and exits 2 when the result would be invalid in the target", async () => {
        // dev drops the label column; prod joins ground truth into it (environment-scoped labelsTable).
        const dir = project(
            (t) =>
                t.replace(
                    "      modelComment: Development model for ml-project\n",
                    "      modelComment: Development model for ml-project\n      monitor:\n        labelCol: null\n",
                ),
            (t) =>
                t.replace(
                    "      serving:\n",
                    "      monitor:\n        labelsTable: prod_catalog.ml_data.labels\n      serving:\n",
                ),
        );
        const before = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8");
        const { code, stderr } = await promote(["--from", "dev", "--to", "prod", "--project-dir", dir, "--write"]);
        expect(code).toBe(2);
        expect(stderr).toContain("error: the promotion would make prod invalid; nothing was written:");
        expect(stderr).toContain(
            "Pulumi.prod.yaml: databricks-mlops:projectOverrides.ml-project.monitor.labelsTable: expected monitor.labelCol too",
        );
        expect(fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8")).toBe(before);
    });
});
