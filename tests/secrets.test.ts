import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { diffPlans } from "../plan/diff";
import { installMocks, Recorder, runProgram, SECRET_MASK } from "../plan/mocks";
import { buildPlan, type PlanDocument } from "../plan/plan";
import { evaluatePolicies, loadPolicyPack, renderViolations } from "../plan/policy";
import { renderDiff, renderTree } from "../plan/render";
import { program } from "../program";
import { FIXTURE_DIR, PROJECT_DIR, planCli, stackFileConfig, tempProject } from "./harness";

/**
 * Canary secrets: values that appear nowhere but in the secret config, so that finding one in
 * anything the plan prints (text, JSON, diff, warnings, errors, stack outputs) is a leak.
 */
const CANARIES = {
    "databricks:token": "dapi0canary0token0f3a9c",
    "databricks:azureClientSecret": "canary-azure-client-secret-5d1e",
    "azure-native:clientSecret": "canary-arm-client-secret-9b2f",
};
const VALUES = Object.values(CANARIES);

/** Everything the code under test writes to the console or the standard streams. */
let printed: string[] = [];
const saved = {
    log: console.log,
    warn: console.warn,
    error: console.error,
    info: console.info,
    out: process.stdout.write.bind(process.stdout),
    err: process.stderr.write.bind(process.stderr),
};
beforeEach(() => {
    printed = [];
    const keep = (...args: unknown[]) => void printed.push(args.map(String).join(" "));
    console.log = console.warn = console.error = console.info = keep;
    const write = (chunk: unknown) => (printed.push(String(chunk)), true);
    process.stdout.write = write as typeof process.stdout.write;
    process.stderr.write = write as typeof process.stderr.write;
});
afterEach(() => {
    Object.assign(console, { log: saved.log, warn: saved.warn, error: saved.error, info: saved.info });
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
});

function leaks(text: string): string[] {
    return VALUES.filter((v) => text.includes(v));
}

async function plan(stack: string, secretConfig: Record<string, string>): Promise<PlanDocument> {
    return buildPlan(program, { projectDir: FIXTURE_DIR, stack, currentUser: "jane.doe@example.com", secretConfig });
}

describe("canary secrets", () => {
    it("would be seen if printed: the program's runtime holds them in the clear", async () => {
        await plan("prod", CANARIES);
        // The control: the values reach the program (a careless code path could print them) ...
        const config = pulumi.runtime.allConfig();
        for (const [key, value] of Object.entries(CANARIES)) expect(config[key]).toBe(value);
        // ... and the check finds them where they are printed.
        expect(leaks(JSON.stringify(config))).toEqual(VALUES);
    });

    it.each(["dev", "prod", "azure-dev"])(
        "never reach the %s plan: text, JSON, diff, policy report, warnings, outputs",
        async (stack) => {
            const doc = await plan(stack, CANARIES);
            const other = await plan(
                stack,
                Object.fromEntries(Object.keys(CANARIES).map((k) => [k, "another-secret-value"])),
            );
            const pack = await loadPolicyPack(path.join(PROJECT_DIR, "policy"));
            const violations = await evaluatePolicies(doc, pack);
            const diff = diffPlans(other, doc);
            const texts = {
                json: JSON.stringify(doc),
                tree: renderTree(doc, stack, false, true),
                diffJson: JSON.stringify(diff),
                diff: renderDiff(diff, stack, "base", false),
                policies: JSON.stringify(violations) + renderViolations(violations, doc, false),
                warnings: JSON.stringify(doc.diagnostics),
                outputs: JSON.stringify(doc.steps[0].newState.outputs),
                console: printed.join("\n"),
            };
            for (const [where, text] of Object.entries(texts))
                expect({ where, leaks: leaks(text) }).toEqual({ where, leaks: [] });
            // The provider's settings show masked, as `pulumi preview` shows secret config.
            const defaults = doc.steps.filter((s) => /::pulumi:providers:[^:]+::default_/.test(s.urn));
            const masked = Object.fromEntries(
                defaults.map((s) => [s.newState.type, s.newState.inputs.token ?? s.newState.inputs.clientSecret]),
            );
            expect(masked).toEqual(
                stack === "azure-dev"
                    ? // Every Databricks resource goes through the created workspace's provider there.
                      { "pulumi:providers:azure-native": SECRET_MASK }
                    : { "pulumi:providers:databricks": SECRET_MASK },
            );
        },
    );

    it("never reach an error: a secret where the program wants a plain value is refused by name only", async () => {
        const error = await plan("prod", { "databricks-mlops:catalog": CANARIES["databricks:token"] }).then(
            () => new Error("expected the plan to fail"),
            (err: Error) => err,
        );
        expect(error.message).toContain("databricks-mlops:catalog: expected a plain value");
        expect(leaks(`${error.message}\n${error.stack}\n${printed.join("\n")}`)).toEqual([]);
    });

    it("are masked when the program exports one as a stack output", async () => {
        const recorder = installMocks(
            "databricks-mlops",
            "prod",
            { currentUser: "u", modelVersions: ["1"] },
            new Recorder(),
        );
        pulumi.runtime.setAllConfig({ "databricks:token": CANARIES["databricks:token"] }, ["databricks:token"]);
        const outputs = await runProgram(
            async () => ({
                token: new pulumi.Config("databricks").requireSecret("token"),
                nested: { value: pulumi.secret(CANARIES["databricks:azureClientSecret"]) },
            }),
            recorder,
        );
        expect(outputs).toEqual({ token: SECRET_MASK, nested: { value: SECRET_MASK } });
    });
});

describe("canary secrets through the CLI", () => {
    // A stack file's secure values are ciphertext the plan cannot decrypt; the canary inside the
    // ciphertext must not print either (as `pulumi preview` prints neither value nor ciphertext).
    const secure = (value: string) => ({ secure: `v1:${value}` });

    it("never print from a stack file's provider secrets (JSON plan, policy report)", async () => {
        const dir = tempProject("prod", {
            ...stackFileConfig("prod"),
            "databricks:token": secure(CANARIES["databricks:token"]),
            "databricks:azureClientSecret": secure(CANARIES["databricks:azureClientSecret"]),
        });
        const { code, stdout, stderr } = await planCli([
            ...["--stack", "prod", "--project-dir", dir, "--json"],
            ...["--policy-pack", path.join(PROJECT_DIR, "policy")],
        ]);
        expect(code).toBe(0);
        expect(JSON.parse(stdout).config["databricks:token"]).toBe(SECRET_MASK);
        expect(leaks(stdout + stderr + printed.join("\n"))).toEqual([]);
    });

    it("never print in an error about a secret in the program's namespace", async () => {
        const dir = tempProject("prod", {
            ...stackFileConfig("prod"),
            "databricks-mlops:failureEmails": secure(CANARIES["databricks:token"]),
        });
        // The CLI prints the message of the error it fails with (exit 2, tests/plan.test.ts).
        const error = await planCli(["--stack", "prod", "--project-dir", dir]).then(
            () => new Error("expected the plan to fail"),
            (err: Error) => err,
        );
        expect(error.message).toContain("databricks-mlops:failureEmails: expected a plain value");
        expect(leaks(`${error.message}\n${error.stack}\n${printed.join("\n")}`)).toEqual([]);
    });
});
