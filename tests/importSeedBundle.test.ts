import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { importBundle } from "../bundle/cli";
import { buildPlan } from "../plan/plan";
import { program } from "../program";
import { sharedPath } from "./shared";

/**
 * The bundle written out in ../shared/seeds/002_* (its `databricks.yml` and resource files, each a
 * `### <file>` heading and a YAML block): imported, it plans for dev and prod. Its production
 * `run_as` names the service principal by display name (`sp-ml-prod`), which the stack keeps as
 * `runAs.displayName` and the program looks up at deploy (here, in the offline plan's mocks).
 */

const SEEDS = sharedPath("seeds");
const file = fs.existsSync(SEEDS) ? fs.readdirSync(SEEDS).find((f) => f.startsWith("002_")) : undefined;

/** The files of the bundle the document writes out: each `### <path>` heading followed by a YAML block. */
function bundleFiles(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const m of text.matchAll(/^### ((?:resources\/)?[\w.-]+\.ya?ml)\s*\n+```yaml\n([\s\S]*?)\n```/gm))
        out[m[1]] = m[2];
    return out;
}

describe.skipIf(file === undefined)(
    `the bundle of ../shared/seeds/002${file ? "" : ": skipped, no ../shared/seeds beside this checkout"}`,
    () => {
        it.each(["dev", "prod"])("imports and plans %s", async (target) => {
            const files = bundleFiles(fs.readFileSync(path.join(SEEDS, file as string), "utf8"));
            expect(Object.keys(files).sort()).toEqual([
                "databricks.yml",
                "resources/jobs.yml",
                "resources/ml_resources.yml",
            ]);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-seed-bundle-"));
            for (const [rel, text] of Object.entries(files)) {
                fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
                fs.writeFileSync(path.join(dir, rel), `${text}\n`);
            }
            const out = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-seed-import-"));
            const outcome = await importBundle({ bundleDir: dir, out, states: {}, user: "jane.doe@example.com" });
            expect(outcome.exitCode, outcome.error).toBe(0);
            const prod = outcome.result?.stacks.get("prod") as Record<string, unknown>;
            expect(prod["databricks-mlops:runAs"]).toEqual({ displayName: "sp-ml-prod" });
            // As CI deploys production: as the principal (its application id, which the mocks make up for the name).
            const doc = await buildPlan(program, {
                projectDir: out,
                stack: target,
                currentUser: target === "prod" ? "sp-ml-prod-app" : "jane.doe@example.com",
            });
            const jobs = doc.steps.filter((s) => s.newState.type === "databricks:index/job:Job");
            expect(jobs.length).toBeGreaterThan(1);
            if (target === "prod") {
                const runAs = jobs.map((j) => (j.newState.inputs as any).runAs?.servicePrincipalName);
                expect(new Set(runAs).size).toBe(1);
                expect(runAs[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
            }
        });
    },
);
