import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { readStackConfig, SECRET_PLACEHOLDER } from "../plan/stackConfig";
import {
    FIXTURE_DIR,
    PROCESS_TEST_TIMEOUT,
    PROJECT_DIR,
    planCli,
    planStack,
    spawnCli,
    stackFileConfig,
    tempDir,
    tempProject,
} from "./harness";

const run = promisify(execFile);
const TSX = path.join(PROJECT_DIR, "node_modules", ".bin", "tsx");
/** The deploying user the CLI's mocked workspace reports unless told otherwise. */
const CLI_USER = "dev.user@example.com";

describe("npm run plan", () => {
    it("prints the preview-shaped JSON document for a stack: the plan, whole", async () => {
        const { code, stdout } = await planCli(["--stack", "prod", "--json"]);
        expect(code).toBe(0);
        const doc = JSON.parse(stdout);
        expect(doc).toEqual((await planStack("prod", { user: CLI_USER })).doc);
        expect(doc.changeSummary).toEqual({ create: doc.steps.length });
        expect(doc.steps[0]).toMatchObject({
            op: "create",
            urn: "urn:pulumi:prod::databricks-mlops::pulumi:pulumi:Stack::databricks-mlops-prod",
            newState: { type: "pulumi:pulumi:Stack", custom: false },
        });
        for (const step of doc.steps) {
            // retainOnDelete is there only when set, as in `pulumi preview --json`.
            if ("retainOnDelete" in step.newState) expect(step.newState.retainOnDelete).toBe(true);
            // ignoreChanges and replaceOnChanges likewise (Pulumi's state omits an empty one).
            if ("ignoreChanges" in step.newState) expect(step.newState.ignoreChanges?.length).toBeGreaterThan(0);
            if ("replaceOnChanges" in step.newState) expect(step.newState.replaceOnChanges?.length).toBeGreaterThan(0);
            expect(
                Object.keys(step.newState)
                    .filter((k) => !["retainOnDelete", "ignoreChanges", "replaceOnChanges"].includes(k))
                    .sort(),
            ).toEqual(
                step.newState.type === "pulumi:pulumi:Stack"
                    ? ["custom", "dependencies", "id", "inputs", "outputs", "protect", "type", "urn"]
                    : !step.newState.custom || step.newState.type.startsWith("pulumi:providers:")
                      ? ["custom", "dependencies", "id", "inputs", "parent", "protect", "type", "urn"]
                      : ["custom", "dependencies", "id", "inputs", "parent", "protect", "provider", "type", "urn"],
            );
        }
    });

    it("prints a tree and a summary of every step", async () => {
        const { code, stdout } = await planCli(["--stack", "dev", "--model-versions", "none"]);
        expect(code).toBe(0);
        expect(stdout).toContain(" +   pulumi:pulumi:Stack");
        expect(stdout).toContain("└─ mlops:databricks:MlProject");
        expect(stdout).toContain(
            "warning: model dev_catalog.dev_dev_user_ml_data.dev_dev_user_ml_model_dev does not exist yet",
        );
        const { doc } = await planStack("dev", { user: CLI_USER, modelVersions: [] });
        // Default providers are neither shown nor counted, as the engine does.
        const shown = doc.steps.filter(
            (s) => !(s.newState.type.startsWith("pulumi:providers:") && /::default/.test(s.urn)),
        );
        expect(shown.length).toBe(doc.steps.length - 1);
        expect(stdout).toContain(`+ ${shown.length} to create`);
    });

    it("notes on stderr what a real run of the stack would refuse, and still plans", async () => {
        const { code, stdout, stderr } = await planCli(["--stack", "staging"]);
        expect(code).toBe(0);
        expect(stdout).toMatch(/\+ \d+ to create/);
        expect(stderr).toMatch(
            /^note: the offline plan lets these pass; a real `pulumi preview` or `pulumi up` of staging stops on them:\n {2}Pulumi\.staging\.yaml: databricks-mlops:runAs\.servicePrincipalName: expected the application id of your service principal, found the placeholder/,
        );
    });

    it("names the stacks when the stack file does not exist", async () => {
        await expect(planCli(["--stack", "qa"])).rejects.toThrow(
            "Pulumi.qa.yaml: no such stack file; the stacks of this project are azure-dev, dev, prod, staging",
        );
    });

    it("writes the document to the file --out names", async () => {
        const out = path.join(tempDir("mlops-out-"), "plan.json");
        const { code, stdout } = await planCli(["--stack", "dev", "--json", "--out", out]);
        expect(code).toBe(0);
        expect(stdout).toBe("");
        expect(JSON.parse(fs.readFileSync(out, "utf8"))).toEqual((await planStack("dev", { user: CLI_USER })).doc);
    });
});

describe("npm run plan, as a process", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    it("rejects bad config with the message and exit 2, no stack trace", async () => {
        const config = stackFileConfig("dev");
        const dir = tempProject("dev", { ...config, "databricks-mlops:mode": "staging" });
        const { code, stderr } = await spawnCli("plan/cli.ts", ["--stack", "dev", "--project-dir", dir]);
        expect(code).toBe(2);
        expect(stderr).toBe(
            'error: invalid stack configuration (1 problem):\n  Pulumi.dev.yaml: databricks-mlops:mode: expected one of "development", "production", "none", found "staging"\n',
        );
    });
});

/**
 * A slow reader at the end of a pipe: 4 KiB at a time, 10 ms apart, as a busy `jq` or a
 * network stream reads.
 */
const SLOW_READER = `
const fs = require("node:fs");
const buffer = Buffer.alloc(4096);
(function read() {
    let n;
    try {
        n = fs.readSync(0, buffer);
    } catch (err) {
        if (err.code === "EAGAIN") return setTimeout(read, 10);
        throw err;
    }
    if (n === 0) return;
    process.stdout.write(buffer.subarray(0, n));
    setTimeout(read, 10);
})();
`;

/**
 * Runs the CLI into an OS pipe read by the slow reader: with an OS pipe (unlike the socket pair
 * Node's `spawn` gives), a writer that exits at once loses what the pipe's 64 KiB buffer did not
 * take.
 */
async function throughSlowPipe(args: string[]): Promise<string> {
    const { stdout } = await run("/bin/sh", ["-c", `"$TSX" "$CLI" ${args.join(" ")} | "$NODE" -e "$READER"`], {
        env: {
            ...process.env,
            NO_COLOR: "1",
            TSX,
            CLI: path.join(PROJECT_DIR, "plan", "cli.ts"),
            NODE: process.execPath,
            READER: SLOW_READER,
        },
        maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
}

describe("plan output, through a pipe", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    it("reaches a slow reader through a pipe whole", async () => {
        const stdout = await throughSlowPipe(["--stack", "dev", "--json", "--project-dir", FIXTURE_DIR]);
        expect(stdout.length).toBeGreaterThan(65_536); // more than one pipe buffer
        expect(JSON.parse(stdout)).toEqual((await planStack("dev", { user: CLI_USER })).doc);
    });
});

describe("stack config", () => {
    it("masks secure values and marks their keys secret", async () => {
        const config = {
            ...stackFileConfig("dev"),
            "databricks:token": { secure: "v1:abc" },
            "databricks:host": "https://adb-1.azuredatabricks.net",
        };
        const dir = tempProject("dev", config);
        const read = readStackConfig(dir, "dev");
        expect(read.config["databricks:token"]).toBe(SECRET_PLACEHOLDER);
        expect(read.secretKeys).toEqual(["databricks:token"]);
        const plan = await planStack("dev", { projectDir: dir });
        expect(plan.doc.config["databricks:token"]).toBe("[secret]");
        const provider = plan.ofType("pulumi:providers:databricks")[0];
        expect(provider.inputs).toEqual({
            host: "https://adb-1.azuredatabricks.net",
            token: "[secret]",
            version: "1.110.0",
        });
    });

    it("reports malformed YAML with its file and line", () => {
        const dir = tempProject("dev", {});
        fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  a: [1, 2\n");
        expect(() => readStackConfig(dir, "dev")).toThrow(/^Pulumi\.dev\.yaml: line \d+, column \d+: invalid YAML: /);
    });

    it("refuses a secret in the program's own settings", async () => {
        const dir = tempProject("dev", { ...stackFileConfig("dev"), "databricks-mlops:catalog": { secure: "v1:x" } });
        await expect(planStack("dev", { projectDir: dir })).rejects.toThrow(
            "Pulumi.dev.yaml: databricks-mlops:catalog: expected a plain value",
        );
    });
});
