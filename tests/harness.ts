import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { deepMerge, readSharedFile, SHARED_FILE } from "../config/load";
import type { MockWorkspace } from "../plan/mocks";
import { buildPlan, type PlanDocument, type PlanStep } from "../plan/plan";
import { program } from "../program";

export const PROJECT_DIR = path.resolve(__dirname, "..");

/** The application id of the seed's service principal sp-ml-prod, as Pulumi.prod.yaml holds it. */
export const SP = "9f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c";

export interface PlanRun {
    doc: PlanDocument;
    /** The steps of one resource type. */
    ofType(type: string): PlanStep["newState"][];
    /** The one resource of a type whose URN ends with `::name`. */
    named(type: string, name: string): PlanStep["newState"];
}

export function wrap(doc: PlanDocument): PlanRun {
    const states = doc.steps.map((s) => s.newState);
    return {
        doc,
        ofType: (type) => states.filter((s) => s.type === type),
        named: (type, name) => {
            const found = states.filter((s) => s.type === type && s.urn.endsWith(`::${name}`));
            if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
            return found[0];
        },
    };
}

/** Plans a shipped stack. */
export async function planStack(
    stack: string,
    opts: {
        user?: string;
        modelVersions?: string[];
        projectDir?: string;
        preview?: boolean;
        aliases?: Record<string, string>;
        mock?: Partial<MockWorkspace>;
        /** Check as a real `pulumi preview` does (see `PlanOptions.asDeployed`). */
        asDeployed?: boolean;
    } = {},
): Promise<PlanRun> {
    return wrap(
        await buildPlan(program, {
            projectDir: opts.projectDir ?? PROJECT_DIR,
            stack,
            currentUser: opts.user ?? "jane.doe@example.com",
            modelVersions: opts.modelVersions,
            preview: opts.preview,
            aliases: opts.aliases,
            mock: opts.mock,
            asDeployed: opts.asDeployed,
        }),
    );
}

const NS = "databricks-mlops";

/** The config of a shipped stack file, as it is, to edit. */
export function rawStackFileConfig(stack: string): Record<string, unknown> {
    return (
        parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as {
            config: Record<string, unknown>;
        }
    ).config;
}

/**
 * The config of a shipped stack, as an object to edit, with its projects written out whole: the
 * shared definitions with the stack's overrides merged in (a stack file that lists `projects`
 * replaces the shared ones, so an edited copy plans as the stack does).
 */
export function stackFileConfig(stack: string): Record<string, unknown> {
    const config = { ...rawStackFileConfig(stack) };
    const shared = readSharedFile(PROJECT_DIR);
    const overrides = (config[`${NS}:projectOverrides`] ?? {}) as Record<string, unknown>;
    config[`${NS}:projects`] = ((shared.projects ?? []) as { name: string }[]).map((p) =>
        deepMerge(p, overrides[p.name] ?? {}),
    );
    delete config[`${NS}:projectOverrides`];
    return config;
}

/**
 * A project folder with the shipped Pulumi.yaml and shared file and one stack file with the given
 * config.
 */
export function tempProject(stack: string, config: Record<string, unknown>, projectYaml?: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-plan-"));
    fs.writeFileSync(
        path.join(dir, "Pulumi.yaml"),
        projectYaml ?? fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8"),
    );
    fs.copyFileSync(path.join(PROJECT_DIR, SHARED_FILE), path.join(dir, SHARED_FILE));
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify({ config }));
    return dir;
}

/** Plans a stack config written to a temporary project folder. */
export async function planConfig(
    stack: string,
    config: Record<string, unknown>,
    modelVersions?: string[],
): Promise<PlanRun> {
    return planStack(stack, { projectDir: tempProject(stack, config), modelVersions });
}

/** The error a plan fails with. */
export async function planError(stack: string, config: Record<string, unknown>): Promise<Error> {
    try {
        await planConfig(stack, config);
    } catch (err) {
        return err as Error;
    }
    throw new Error("expected the plan to fail");
}

/** The example created-workspace stack, turned into a production stack. */
export function createdProd(): Record<string, unknown> {
    const c = structuredClone(stackFileConfig("azure-dev")) as Record<string, any>;
    c[`${NS}:environment`] = "prod";
    c[`${NS}:mode`] = "production";
    c[`${NS}:catalog`] = "prod_catalog";
    c[`${NS}:runAs`] = { servicePrincipalName: SP };
    c[`${NS}:projects`][0].experimentPath = "/Shared/ml-project";
    c[`${NS}:projects`][0].modelName = "ml_model";
    return c;
}
