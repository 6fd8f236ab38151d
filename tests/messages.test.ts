import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { didYouMean } from "../config/load";
import { diffPlans } from "../plan/diff";
import type { PlanDocument } from "../plan/plan";
import { loadPolicyPack, renderPolicySummary } from "../plan/policy";
import { jsonDocumentChanges, renderDiff, renderTree } from "../plan/render";
import { configProblems } from "../plan/configProblems";
import { PlanInputError } from "../plan/stackConfig";
import { FIXTURE_DIR, PROJECT_DIR, planStack } from "./harness";
import { scratch, type Yaml } from "./scratch";

/** Every message a user can act on: the file and key that set a value, one line, the right exit status. */

const NS = "databricks-mlops";
const TSX = path.join(PROJECT_DIR, "node_modules", ".bin", "tsx");
const exec = promisify(execFile);

async function run(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
        const { stdout, stderr } = await exec(TSX, [path.join(PROJECT_DIR, script), ...args], {
            env: { ...process.env, NO_COLOR: "1" },
            maxBuffer: 64 * 1024 * 1024,
        });
        return { code: 0, stdout, stderr };
    } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
}

function problemsOf(dir: string, stack: string): string[] {
    const problems = configProblems(dir, stack);
    if (problems.length === 0) throw new Error("expected the config to be refused");
    return problems;
}

const firstProject = (s: Yaml) => s.projects[0] as Yaml;

describe("a value is blamed on the file and key that set it", () => {
    it("names shared.yaml for a shared value, although the stack overrides a sibling key", () => {
        const dir = scratch({
            shared: (s) => {
                firstProject(s).serving.workloadSize = "Huge";
            },
            stacks: {
                prod: (c) => {
                    const name = parse(fs.readFileSync(path.join(FIXTURE_DIR, "shared.yaml"), "utf8")).projects[0]
                        .name as string;
                    c[`${NS}:projectOverrides`] = {
                        [name]: { serving: { routes: [{ alias: "champion", trafficPercentage: 100 }] } },
                    };
                },
            },
        });
        expect(problemsOf(dir, "prod")).toEqual([
            'shared.yaml: projects[0].serving.workloadSize: expected one of "Small", "Medium", "Large", found "Huge"',
        ]);
    });

    it("names the stack file for a value inside a list it replaced", () => {
        const dir = scratch({
            stacks: {
                prod: (c) => {
                    const name = parse(fs.readFileSync(path.join(FIXTURE_DIR, "shared.yaml"), "utf8")).projects[0]
                        .name as string;
                    c[`${NS}:projectOverrides`] = {
                        [name]: { serving: { routes: [{ alias: "Champion", trafficPercentage: 100 }] } },
                    };
                },
            },
        });
        expect(problemsOf(dir, "prod")).toEqual([
            expect.stringMatching(
                /^Pulumi\.prod\.yaml: databricks-mlops:projectOverrides\.[a-z0-9-]+\.serving\.routes\[0\]\.alias: expected a model alias/,
            ),
        ]);
    });

    it("names shared.yaml when it is missing", () => {
        const dir = scratch({ shared: null });
        expect(problemsOf(dir, "dev")).toEqual([
            `shared.yaml: no such file in ${dir}; expected it beside Pulumi.yaml, defining the projects (or databricks-mlops:projects in Pulumi.dev.yaml)`,
        ]);
    });
});

describe("did you mean", () => {
    it.each([
        ["sparkVersoin", ["sparkVersion", "sparkConf"], ' (did you mean "sparkVersion"?)'],
        ["Production", ["development", "production"], ' (did you mean "production"?)'],
        ["tags", ["sparkVersion", "catalog"], ""],
        ["x", ["y"], ""],
    ])("%s among %j: %j", (found, candidates, hint) => {
        expect(didYouMean(found, candidates)).toBe(hint);
    });

    it("is offered for a misspelt key of the stack, of a project, and for an override's project name", () => {
        const dir = scratch({
            shared: (s) => {
                const p = firstProject(s);
                p.modelNmae = p.modelName;
                delete p.modelName;
            },
            stacks: {
                dev: (c) => {
                    c[`${NS}:sparkVersoin`] = "18.x-cpu-ml-scala2.13";
                },
            },
        });
        const problems = problemsOf(dir, "dev");
        expect(problems).toContainEqual(
            expect.stringMatching(
                /^Pulumi\.dev\.yaml: databricks-mlops:sparkVersoin: unknown key; .*\(did you mean "sparkVersion"\?\)$/,
            ),
        );
        expect(problems).toContainEqual(
            expect.stringMatching(
                /^shared\.yaml: projects\[0\]\.modelNmae: unknown key; .*\(did you mean "modelName"\?\)$/,
            ),
        );
        const name = parse(fs.readFileSync(path.join(dir, "shared.yaml"), "utf8")).projects[0].name as string;
        const typo = scratch({
            stacks: {
                dev: (c) => {
                    c[`${NS}:projectOverrides`] = { [`${name}x`]: { modelComment: "x" } };
                },
            },
        });
        expect(problemsOf(typo, "dev")).toEqual([
            expect.stringContaining(`found "${name}x" (did you mean "${name}"?)`),
        ]);
    });

    it("is offered for a misspelt namespace", () => {
        const dir = scratch({ stacks: { dev: (c) => void (c["databricks-mlop:catalog"] = "x") } });
        expect(problemsOf(dir, "dev")).toEqual([expect.stringContaining("(did you mean databricks-mlops:catalog?)")]);
    });
});

describe("a YAML error", () => {
    it.each(["shared.yaml", "Pulumi.dev.yaml"])(
        "in %s is one line: the file, the position once, the problem",
        (file) => {
            const dir = scratch();
            fs.writeFileSync(path.join(dir, file), "config:\n  a:\n    - x\n   b: 1\n");
            let message = "";
            try {
                problemsOf(dir, "dev");
            } catch (err) {
                if (!(err instanceof PlanInputError)) throw err;
                message = err.message;
            }
            if (message === "") message = problemsOf(dir, "dev").join("\n");
            expect(message).toMatch(
                new RegExp(
                    `^${file.replace(/\./g, "\\.")}: line \\d+, column \\d+: invalid YAML: [a-z][^\\n]*[^:\\n]$`,
                ),
            );
            expect(message.match(/line \d+/g)).toHaveLength(1);
        },
    );
});

/** Spawning the real process is slow on a busy machine (tsx compiles the program first). */
const PROCESS_TIMEOUT = 120_000;

describe.concurrent("the commands", { timeout: PROCESS_TIMEOUT }, () => {
    it.each([
        ["plan/cli.ts", [], "error: required option '-s, --stack <name>' not specified"],
        ["plan/cli.ts", ["--stack", "dev", "--colour"], "error: unknown option '--colour'"],
        [
            "plan/cli.ts",
            ["--stack", "dev", "--aliases", "champion"],
            "error: option '--aliases <list>' argument 'champion' is invalid. expected alias=version pairs separated by commas, such as champion=3,challenger=4",
        ],
        ["scripts/promote.ts", ["--to", "prod"], "error: required option '--from <stack>' not specified"],
    ])("%s %j: exit 2, the one line and a pointer to --help", async (script, args, line) => {
        const { code, stdout, stderr } = await run(script, args);
        expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
        const invocation = script === "plan/cli.ts" ? "npm run plan --" : "npm run promote --";
        expect(stderr).toBe(`${line}\n(run ${invocation} --help for usage)\n`);
    });

    it("gen:replace-rules with a bad path: exit 2 and the message, no stack trace", async () => {
        const missing = path.join(os.tmpdir(), "no-such-checkout");
        const { code, stderr } = await run("scripts/gen-replace-rules.ts", [
            "--databricks-src",
            missing,
            "--azure-native-src",
            missing,
        ]);
        expect(code).toBe(2);
        expect(stderr).toBe(
            `error: --databricks-src: ${missing}: no such folder (expected a checkout of databricks/terraform-provider-databricks)\n`,
        );
    });

    it("promote --write | head -1: the file written, no EPIPE, exit 0", () => {
        const dir = scratch({ stacks: { dev: (c) => void (c[`${NS}:sparkVersion`] = "17.3.x-cpu-ml-scala2.13") } });
        const before = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8");
        const r = spawnSync(
            "bash",
            [
                "-c",
                `"${TSX}" scripts/promote.ts --from dev --to prod --write --project-dir "${dir}" | head -1; echo "status=\${PIPESTATUS[0]}" >&2`,
            ],
            { cwd: PROJECT_DIR, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
        );
        expect(r.stdout).toBe("Promotable settings that differ (prod => dev):\n");
        expect(r.stderr).toBe("status=0\n");
        expect(fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8")).not.toBe(before);
    });
});

describe("the output", () => {
    it("counts in the tree what the tree shows", async () => {
        const { doc } = await planStack("dev");
        const text = renderTree(doc, "dev", false);
        const rows = text.split("\n").filter((l) => l.startsWith(" +  "));
        expect(text).toContain(`+ ${rows.length} to create\n`);
        expect(doc.steps.some((s) => /::pulumi:providers:[^:]+::default/.test(s.urn))).toBe(true);
    });

    it("shows a changed JSON document as a diff of its keys", () => {
        const policy = (sparkVersion: string) =>
            JSON.stringify({
                spark_version: { type: "fixed", value: sparkVersion },
                "custom_tags.team": { type: "fixed", value: "ml" },
                node_type_id: { type: "allowlist", values: ["a", "b"] },
            });
        const before = policy("18.x-cpu-ml-scala2.13");
        const after = JSON.stringify({
            ...JSON.parse(policy("17.3.x-cpu-ml-scala2.13")),
            node_type_id: { type: "allowlist", values: ["a"] },
        });
        expect(jsonDocumentChanges(before, after)).toEqual([
            { path: "node_type_id.values[1]", kind: "delete", before: "b" },
            {
                path: "spark_version.value",
                kind: "update",
                before: "18.x-cpu-ml-scala2.13",
                after: "17.3.x-cpu-ml-scala2.13",
            },
        ]);
        expect(jsonDocumentChanges("not json", after)).toBeUndefined();
        const state = (definition: string): PlanDocument => ({
            config: {},
            diagnostics: [],
            changeSummary: { create: 1 },
            steps: [
                {
                    op: "create",
                    urn: "urn:pulumi:dev::p::databricks:index/clusterPolicy:ClusterPolicy::policy",
                    newState: {
                        urn: "urn:pulumi:dev::p::databricks:index/clusterPolicy:ClusterPolicy::policy",
                        custom: true,
                        id: "",
                        type: "databricks:index/clusterPolicy:ClusterPolicy",
                        inputs: { definition, name: "ml" },
                        protect: false,
                        dependencies: [],
                    },
                },
            ],
        });
        const text = renderDiff(diffPlans(state(before), state(after)), "dev", "base.json", false);
        expect(text).toContain(
            [
                "      ~ definition: a JSON document; its changed keys:",
                '          - node_type_id.values[1]: "b"',
                '          ~ spark_version.value: "18.x-cpu-ml-scala2.13" => "17.3.x-cpu-ml-scala2.13"',
            ].join("\n"),
        );
    });

    it("says how many policies passed on a clean run", async () => {
        const pack = await loadPolicyPack(path.join(PROJECT_DIR, "policy"));
        expect(pack.policies.length).toBeGreaterThan(0);
        const n = pack.policies.length;
        expect(renderPolicySummary([], pack, {}, false)).toBe(
            `\nPolicies:\n    ${pack.name}@v${pack.version}: ${n} of ${n} ${n === 1 ? "policy" : "policies"} passed\n`,
        );
        const disabled = renderPolicySummary([], pack, { [pack.policies[0].name]: "disabled" }, false);
        expect(disabled).toContain(`${n - 1} of ${n - 1}`);
        expect(disabled).toContain("(1 disabled by the config)");
    });
});

describe("a test run's temporary folders", () => {
    it("are made inside the run's own folder, which the run removes at its end", () => {
        expect(os.tmpdir()).toMatch(/mlops-test-run-[^/]+$/);
        expect(fs.existsSync(os.tmpdir())).toBe(true);
    });
});
