import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { placeholderProblems, type ProviderSettings } from "../config/deployChecks";
import { settingsFromConfig } from "../config/load";
import { promotableDifferences } from "../config/scopes";
import { deployNotes } from "../plan/plan";
import { readStackConfig } from "../plan/stackConfig";
import { devStackName, UsageError, writeDevStack } from "../scripts/devStack";
import { PROJECT_DIR, planError, planStack, stackFileConfig, tempProject } from "./harness";

/**
 * What a real deploy needs that the offline plan does not: who deploys a production stack, the
 * ids the user replaces, a stack of the developer's own. `asDeployed` runs the program's checks
 * as a real `pulumi preview` does.
 */

const NS = "databricks-mlops";
const MODEL = "databricks:index/registeredModel:RegisteredModel";
const REAL_SP = "3c1d5e7f-9a2b-4c6d-8e0f-1a2b3c4d5e6f";
const HOST = "https://adb-1234567890123456.7.azuredatabricks.net";

/** A shipped stack's config with real-looking ids and a host: what a user has after the first setup. */
function realIds(stack: string, change: (c: Record<string, any>) => void = () => {}): Record<string, unknown> {
    const c = structuredClone(stackFileConfig(stack)) as Record<string, any>;
    c["databricks:host"] = HOST;
    if (c[`${NS}:runAs`]) c[`${NS}:runAs`].servicePrincipalName = REAL_SP;
    if (c[`${NS}:clusterPolicy`]?.id) c[`${NS}:clusterPolicy`].id = "E06216CAA0000AB3";
    if (c[`${NS}:sqlWarehouse`]?.id) c[`${NS}:sqlWarehouse`].id = "475b94ddc7cd5211";
    change(c);
    return c;
}

async function deployedAs(stack: string, user: string, config: Record<string, unknown>) {
    return planStack(stack, { projectDir: tempProject(stack, config), user, asDeployed: true });
}

async function deployError(stack: string, user: string, config: Record<string, unknown>): Promise<Error> {
    try {
        await deployedAs(stack, user, config);
    } catch (err) {
        return err as Error;
    }
    throw new Error("expected the deploy checks to stop the run");
}

describe.each(["prod", "staging"])("who may deploy the production stack %s", (stack) => {
    it("passes deployed as the runAs service principal, which owns the model (the transfer is a no-op)", async () => {
        const run = await deployedAs(stack, REAL_SP, realIds(stack));
        expect(run.ofType(MODEL).map((m) => (m.inputs as any).owner)).toEqual([REAL_SP]);
    });

    it("passes when the principal's application id comes back in another case", async () => {
        await expect(deployedAs(stack, REAL_SP.toUpperCase(), realIds(stack))).resolves.toBeDefined();
    });

    it("stops a person before the first up, which would fail on the model's read-back", async () => {
        const err = await deployError(stack, "jane.doe@example.com", realIds(stack));
        expect(err.message).toBe(
            `invalid stack configuration for a deploy (1 problem):\n  Pulumi.${stack}.yaml: ${NS}:modelOwner: expected the stack to be deployed as the runAs service principal ${REAL_SP} (sp-ml-${stack}), found jane.doe@example.com: with modelOwner runAs (the production default) the principal owns the registered models, and Unity Catalog lets only a model's owner or a metastore admin read it back after the ownership transfer and set its aliases. Deploy it from CI signed in as the principal, or set modelOwner to { group: <an account group holding both jane.doe@example.com and the principal> }`,
        );
    });

    it("lets another identity (the read-only previewer) preview, with a warning that it cannot deploy", async () => {
        const reader = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d";
        const run = await planStack(stack, {
            projectDir: tempProject(stack, realIds(stack)),
            user: reader,
            asDeployed: true,
            preview: true,
        });
        expect(run.doc.diagnostics.map((d) => d.message)).toEqual([
            expect.stringMatching(
                new RegExp(
                    `^Pulumi\\.${stack}\\.yaml: ${NS}:modelOwner: this preview runs as ${reader}, who can preview but not deploy the stack: expected the stack to be deployed as the runAs service principal`,
                ),
            ),
        ]);
    });

    it("passes a person when an account group owns the model", async () => {
        const config = realIds(stack, (c) => (c[`${NS}:modelOwner`] = { group: "ml-prod-owners" }));
        const run = await deployedAs(stack, "jane.doe@example.com", config);
        expect(run.ofType(MODEL).map((m) => (m.inputs as any).owner)).toEqual(["ml-prod-owners"]);
    });

    it("refuses the deployer as owner: the jobs, running as runAs, could not set the aliases", async () => {
        const err = await planError(
            stack,
            realIds(stack, (c) => (c[`${NS}:modelOwner`] = "deployer")),
        );
        expect(err.message).toContain(
            `Pulumi.${stack}.yaml: ${NS}:modelOwner: expected runAs or { group: <account group> } in production mode`,
        );
    });
});

describe("the team's stacks", () => {
    const settingsOf = (stack: string) => {
        const c = readStackConfig(PROJECT_DIR, stack);
        return settingsFromConfig({
            namespace: NS,
            stack,
            config: c.config,
            isSecret: () => false,
            projectDir: PROJECT_DIR,
        });
    };

    it("staging is a production-mode rehearsal of prod with its own catalog and its own principal", () => {
        const [staging, prod] = [settingsOf("staging"), settingsOf("prod")];
        expect([staging.mode, prod.mode]).toEqual(["production", "production"]);
        expect(staging.catalog).not.toBe(prod.catalog);
        expect(staging.runAs?.servicePrincipalName).not.toBe(prod.runAs?.servicePrincipalName);
        expect(staging.projects.map((p) => p.experimentPath)).not.toEqual(prod.projects.map((p) => p.experimentPath));
    });

    it("promotes dev to staging and staging to prod: the promotable settings line up by project", () => {
        for (const [from, to] of [
            ["dev", "staging"],
            ["staging", "prod"],
        ]) {
            const differences = promotableDifferences(settingsOf(from), settingsOf(to));
            for (const d of differences)
                expect(d.project === undefined || settingsOf(to).projects.some((p) => p.name === d.project)).toBe(true);
            expect(settingsOf(to).projects.map((p) => p.name)).toEqual(settingsOf(from).projects.map((p) => p.name));
        }
    });
});

describe("developer stacks", () => {
    it("a developer's own stack passes for that developer, who owns the sandbox's model", async () => {
        const run = await deployedAs("dev-jane", "jane.doe@example.com", realIds("dev"));
        expect(run.ofType(MODEL).map((m) => (m.inputs as any).owner)).toEqual([undefined]);
        expect((run.ofType(MODEL)[0].inputs as any).name).toBe("dev_jane_doe_ml_model_dev");
    });

    it("the development template itself is never deployed: two users would replace each other's sandbox", async () => {
        const err = await deployError("dev", "jane.doe@example.com", realIds("dev"));
        expect(err.message).toContain(
            `Pulumi.dev.yaml: ${NS}:mode: expected a developer's own stack, found the development template "dev"`,
        );
    });

    it("modelOwner runAs needs a runAs principal", async () => {
        const err = await planError(
            "dev",
            realIds("dev", (c) => (c[`${NS}:modelOwner`] = "runAs")),
        );
        expect(err.message).toContain(`${NS}:modelOwner: expected runAs.servicePrincipalName too`);
    });
});

describe("npm run dev-stack", () => {
    const project = () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-devstack-"));
        for (const f of ["Pulumi.yaml", "Pulumi.dev.yaml", "shared.yaml"]) {
            fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(dir, f));
        }
        return dir;
    };

    it("writes Pulumi.dev-<name>.yaml, the template's config, that plans in development mode", async () => {
        const dir = project();
        const file = writeDevStack(dir, "jane");
        expect(path.basename(file)).toBe("Pulumi.dev-jane.yaml");
        const written = parse(fs.readFileSync(file, "utf8"));
        expect(written).toEqual(parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8")));
        const run = await planStack("dev-jane", { projectDir: dir });
        expect(run.doc.steps[0].urn).toBe(
            "urn:pulumi:dev-jane::databricks-mlops::pulumi:pulumi:Stack::databricks-mlops-dev-jane",
        );
    });

    it("never overwrites a stack file", () => {
        const dir = project();
        writeDevStack(dir, "jane");
        expect(() => writeDevStack(dir, "jane")).toThrow(UsageError);
    });

    it.each([
        ["Jane", /expected a name of lower case letters/],
        ["", /expected a name of lower case letters/],
        ["prod", /does not read as production or staging/],
        ["eu-staging", /does not read as production or staging/],
    ])("refuses the name %j", (name, message) => {
        expect(() => devStackName(name)).toThrow(message);
    });

    it("the developers' stack files are not committed", () => {
        expect(fs.readFileSync(path.join(PROJECT_DIR, ".gitignore"), "utf8").split("\n")).toContain(
            "Pulumi.dev-*.yaml",
        );
    });
});

describe("placeholder ids", () => {
    it.each(["dev", "prod", "staging"])(
        "the shipped %s stack's placeholders stop a real run, each with where to get the real id",
        async (stack) => {
            const err = await deployError(stack, "jane.doe@example.com", stackFileConfig(stack));
            const problems = (err as Error & { problems: string[] }).problems;
            expect(problems.length).toBeGreaterThan(0);
            for (const p of problems)
                expect(p).toMatch(
                    /^Pulumi\.\w+\.yaml: [\w:.-]+: expected .*(get it with|pulumi config set|npm run dev-stack)/,
                );
        },
    );

    it.each(["dev", "prod", "staging", "azure-dev"])(
        "the offline plan of %s still passes, with notes",
        async (stack) => {
            await expect(planStack(stack)).resolves.toBeDefined();
        },
    );

    it("the plan CLI's notes name each placeholder of the shipped dev stack and the missing host", () => {
        const notes = deployNotes(PROJECT_DIR, "dev", { DATABRICKS_CONFIG_FILE: "/nonexistent" });
        expect(notes.map((n) => n.split(": expected")[0])).toEqual([
            `Pulumi.dev.yaml: ${NS}:clusterPolicy.id`,
            `Pulumi.dev.yaml: ${NS}:sqlWarehouse.id`,
            "Pulumi.dev.yaml: databricks:host",
            `Pulumi.dev.yaml: ${NS}:mode`,
        ]);
    });

    const settings = (stack: string, change: (c: Record<string, any>) => void = () => {}) => {
        const projectDir = tempProject(stack, realIds(stack, change));
        const { config } = readStackConfig(projectDir, stack);
        return settingsFromConfig({ namespace: NS, stack, config, isSecret: () => false, projectDir });
    };
    const provider = (p: Partial<ProviderSettings>): ProviderSettings => ({ env: {}, hasConfigFile: false, ...p });

    it.each<[string, Partial<ProviderSettings>, boolean]>([
        ["databricks:host", { host: HOST }, true],
        ["DATABRICKS_HOST", { env: { DATABRICKS_HOST: HOST } }, true],
        ["a profile", { env: { DATABRICKS_CONFIG_PROFILE: "prod" } }, true],
        ["the Azure resource id", { azureWorkspaceResourceId: "/subscriptions/x/resourceGroups/y" }, true],
        ["~/.databrickscfg", { hasConfigFile: true }, true],
        ["nothing", {}, false],
        ["the template's host", { host: "https://adb-<workspace-id>.<n>.azuredatabricks.net" }, false],
    ])("finds the workspace from %s: %s", (_, p, found) => {
        const problems = placeholderProblems(settings("prod"), provider(p));
        expect(problems.map((x) => x.path.join("."))).toEqual(found ? [] : ["databricks:host"]);
    });

    it("takes an all-zero id for a placeholder too", () => {
        const s = settings("dev", (c) => (c[`${NS}:sqlWarehouse`].id = "0000000000000000"));
        expect(placeholderProblems(s, provider({ host: HOST })).map((x) => x.path.join("."))).toEqual([
            "sqlWarehouse.id",
        ]);
    });
});

describe("the deploying and drift pages", () => {
    it("call only npm scripts that package.json defines, and name only stacks that exist", () => {
        const scripts = Object.keys(
            (JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as { scripts: object })
                .scripts,
        );
        for (const page of ["deploying.md", "drift.md"]) {
            const text = fs.readFileSync(path.join(PROJECT_DIR, "docs", page), "utf8");
            const called = [...text.matchAll(/npm run (?:-s )?([\w:.-]+)/g)].map((m) => m[1]);
            expect(called.length, page).toBeGreaterThan(0);
            for (const script of called) expect(scripts, `${page}: npm run ${script}`).toContain(script);
            const stacks = [...text.matchAll(/(?<!run )(?:-s|--stack|--from|--to) (\w[\w-]*)/g)].map((m) => m[1]);
            for (const stack of stacks.filter((st) => !st.startsWith("dev-") && st !== "jane")) {
                expect(fs.existsSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`)), `${page}: stack ${stack}`).toBe(
                    true,
                );
            }
        }
    });
});
