import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { deepMerge, readSharedFile, SHARED_FILE } from "../config/load";
import { main as planMain } from "../plan/cli";
import type { MockWorkspace } from "../plan/mocks";
import { buildPlan, type PlanDocument, type PlanStep } from "../plan/plan";
import { shippedStacks as shippedStacksOf } from "../plan/stackConfig";
import { program } from "../program";

/**
 * What the tests plan, and how. The tests plan their own fixture stacks (`tests/fixtures/example`,
 * a copy of the example the project ships), never the project's stack files: those are the
 * user's to change, and a change there must not break the suite. Only the tests of the shipped
 * stacks (tests/shipped.test.ts, tests/urns.test.ts) plan those, through `planShipped`, and
 * assert only what holds for any config.
 *
 * A plan is made once per run: the first test (of any file) that asks for a plan of given config
 * files and options makes it and leaves it in the run's cache folder (tests/globalSetup.ts), and
 * every later one reads it. Each test gets its own copy to edit.
 */

/** The repository: the program, the policy pack, the plan CLI. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** The fixture project the tests plan: Pulumi.yaml, shared.yaml and the example's stack files. */
export const FIXTURE_DIR = path.join(__dirname, "fixtures", "example");

/** The application id of the example's production service principal, as Pulumi.prod.yaml holds it. */
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

export interface PlanStackOptions {
    user?: string;
    modelVersions?: string[];
    /** The project folder; default: the fixture project (`FIXTURE_DIR`). */
    projectDir?: string;
    preview?: boolean;
    aliases?: Record<string, string>;
    mock?: Partial<MockWorkspace>;
    /** Check as a real `pulumi preview` does (see `PlanOptions.asDeployed`). */
    asDeployed?: boolean;
}

/**
 * One plan at a time in this process: the program runs under the process's one set of Pulumi
 * mocks and config, so two plans side by side (a `describe.concurrent`) would mix.
 */
let queue: Promise<unknown> = Promise.resolve();
export function serially<T>(work: () => Promise<T>): Promise<T> {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
}

/** The run's scratch folder (made and removed by tests/globalSetup.ts), else the system's. */
function scratchRoot(): string {
    const dir = process.env.MLOPS_TEST_TMP;
    return dir && fs.existsSync(dir) ? dir : os.tmpdir();
}

/** A new empty folder, removed with the run's scratch folder at the end of the run. */
export function tempDir(prefix = "mlops-test-"): string {
    return fs.mkdtempSync(path.join(scratchRoot(), prefix));
}

/** What a plan depends on besides the program: the config files it reads and the options. */
function planKey(projectDir: string, stack: string, opts: PlanStackOptions): string {
    const files = ["Pulumi.yaml", SHARED_FILE, `Pulumi.${stack}.yaml`].map((f) => {
        const file = path.join(projectDir, f);
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
    });
    // The folder itself is not part of it: a plan depends on what the files hold, not where.
    const options = Object.fromEntries(
        Object.entries(opts)
            .filter(([k]) => k !== "projectDir")
            .sort(([a], [b]) => a.localeCompare(b)),
    );
    // The workload folders the config names (relative to the program's folder): a test may
    // write one of its own.
    const workloads = [...files.join("\n").matchAll(/\bdir:\s*["']?([^"'\s,}]+)/g)].map((m) =>
        folderState(path.resolve(PROJECT_DIR, m[1])),
    );
    return createHash("sha256").update(JSON.stringify({ stack, files, options, workloads })).digest("hex");
}

/** A folder's files, sizes and modification times, recursively; [] when there is no such folder. */
function folderState(dir: string): [string, number, number][] {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return [];
    return fs
        .readdirSync(dir, { recursive: true, encoding: "utf8" })
        .sort()
        .map((f) => {
            const st = fs.statSync(path.join(dir, f));
            return [f, st.size, st.mtimeMs];
        });
}

/** Plans made in this process, by key, as JSON text (each caller parses its own copy). */
const made = new Map<string, Promise<string>>();

/**
 * The plan of a stack of a project folder, made once per run: read from the run's cache folder
 * when a test has made it already, else made here and left there. A plan that fails is not kept
 * (each test sees its error).
 */
async function sharedPlan(projectDir: string, stack: string, opts: PlanStackOptions): Promise<PlanDocument> {
    const key = planKey(projectDir, stack, opts);
    const cacheDir = process.env.MLOPS_TEST_PLANS;
    const file = cacheDir ? path.join(cacheDir, `${key}.json`) : undefined;
    let text = made.get(key);
    if (!text) {
        text = (async () => {
            if (file && fs.existsSync(file)) return fs.readFileSync(file, "utf8");
            const doc = await freshPlan(projectDir, stack, opts);
            const json = JSON.stringify(doc);
            if (file) {
                // Written whole, then renamed: a test file reading it at the same time sees all or nothing.
                const partial = `${file}.${process.pid}`;
                fs.writeFileSync(partial, json);
                fs.renameSync(partial, file);
            }
            return json;
        })();
        made.set(key, text);
        text.catch(() => made.delete(key));
    }
    return JSON.parse(await text) as PlanDocument;
}

/** A plan made now in this process (for a test about what planning itself does). */
export function freshPlan(projectDir: string, stack: string, opts: PlanStackOptions = {}): Promise<PlanDocument> {
    return serially(() =>
        buildPlan(program, {
            projectDir,
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

/** Plans a fixture stack (or the stack of `opts.projectDir`). */
export async function planStack(stack: string, opts: PlanStackOptions = {}): Promise<PlanRun> {
    return wrap(await sharedPlan(opts.projectDir ?? FIXTURE_DIR, stack, opts));
}

/** Plans a stack the project ships (`Pulumi.<stack>.yaml` at the repository's root): the user's config. */
export async function planShipped(stack: string, opts: Omit<PlanStackOptions, "projectDir"> = {}): Promise<PlanRun> {
    return wrap(await sharedPlan(PROJECT_DIR, stack, opts));
}

/** The stacks the project ships: every `Pulumi.<stack>.yaml` at the repository's root. */
export function shippedStacks(): string[] {
    return shippedStacksOf(PROJECT_DIR);
}

const NS = "databricks-mlops";

/** The config of a fixture stack file, as it is, to edit. */
export function rawStackFileConfig(stack: string): Record<string, unknown> {
    return (
        parse(fs.readFileSync(path.join(FIXTURE_DIR, `Pulumi.${stack}.yaml`), "utf8")) as {
            config: Record<string, unknown>;
        }
    ).config;
}

/**
 * The config of a fixture stack, as an object to edit, with its projects written out whole: the
 * shared definitions with the stack's overrides merged in (a stack file that lists `projects`
 * replaces the shared ones, so an edited copy plans as the stack does).
 */
export function stackFileConfig(stack: string): Record<string, unknown> {
    const config = { ...rawStackFileConfig(stack) };
    const shared = readSharedFile(FIXTURE_DIR);
    const overrides = (config[`${NS}:projectOverrides`] ?? {}) as Record<string, unknown>;
    config[`${NS}:projects`] = ((shared.projects ?? []) as { name: string }[]).map((p) =>
        deepMerge(p, overrides[p.name] ?? {}),
    );
    delete config[`${NS}:projectOverrides`];
    return config;
}

/**
 * A project folder with the fixture's Pulumi.yaml and shared file and one stack file with the
 * given config (in the run's scratch folder, removed at the end of the run).
 */
export function tempProject(stack: string, config: Record<string, unknown>, projectYaml?: string): string {
    const dir = tempDir("mlops-plan-");
    fs.writeFileSync(
        path.join(dir, "Pulumi.yaml"),
        projectYaml ?? fs.readFileSync(path.join(FIXTURE_DIR, "Pulumi.yaml"), "utf8"),
    );
    fs.copyFileSync(path.join(FIXTURE_DIR, SHARED_FILE), path.join(dir, SHARED_FILE));
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify({ config }));
    return dir;
}

/** A copy of the fixture project (Pulumi.yaml, shared.yaml, every stack file) to edit. */
export function fixtureCopy(): string {
    const dir = tempDir("mlops-fixture-");
    for (const f of fs.readdirSync(FIXTURE_DIR)) fs.copyFileSync(path.join(FIXTURE_DIR, f), path.join(dir, f));
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

export interface CliResult {
    code: number;
    stdout: string;
    stderr: string;
}

/**
 * Runs an entry point's `main(argv)` in this process, one at a time, with what it writes to
 * stdout and stderr captured: for tests of what a command computes and prints. A command that
 * throws rejects with its error (the process maps it to an exit code: `spawnCli` tests that).
 */
export function inProcess(
    main: (argv: string[], entry?: () => Promise<Record<string, unknown>>) => Promise<number>,
    args: string[],
): Promise<CliResult> {
    return serially(async () => {
        let stdout = "";
        let stderr = "";
        const out = process.stdout.write;
        const err = process.stderr.write;
        process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof out;
        process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof err;
        try {
            const code = await main([process.execPath, "cli", ...args, "--no-color"], program);
            return { code, stdout, stderr };
        } finally {
            process.stdout.write = out;
            process.stderr.write = err;
        }
    });
}

/**
 * `npm run plan -- <args>`, in this process (see `inProcess`), of the fixture project unless the
 * arguments name a `--project-dir`.
 */
export function planCli(args: string[]): Promise<CliResult> {
    return inProcess(planMain, args.includes("--project-dir") ? args : [...args, "--project-dir", FIXTURE_DIR]);
}

const run = promisify(execFile);

/**
 * The time a test that starts processes gets: a process loads the SDK and the program before it
 * plans, which on a busy machine takes many times as long as in the test's warm process.
 */
export const PROCESS_TEST_TIMEOUT = 180_000;

/**
 * Runs a TypeScript entry point (`plan/cli.ts`, `scripts/promote.ts`) as its own process, as npm
 * runs it: only for what a process shows (exit codes, pipes, what is left behind).
 */
export async function spawnCli(script: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    // `npm run plan` runs plan/cli.ts through its launcher (a bundle of it, run by Node).
    const [command, entry] =
        script === "plan/cli.ts"
            ? [process.execPath, path.join(PROJECT_DIR, "plan", "launch.cjs")]
            : [path.join(PROJECT_DIR, "node_modules", ".bin", "tsx"), path.join(PROJECT_DIR, script)];
    try {
        const { stdout, stderr } = await run(command, [entry, ...args], {
            env: { ...process.env, NO_COLOR: "1", ...env },
            maxBuffer: 64 * 1024 * 1024,
        });
        return { code: 0, stdout, stderr };
    } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
}

/**
 * Copies this checkout's files as they are now (tracked ones, uncommitted changes included, and
 * new ones git does not ignore) into `to`, and links its node_modules there: the project as a team
 * would have it in a repository of its own.
 */
export function copyCheckout(to: string): void {
    const files = execFileSync(
        "git",
        ["-C", PROJECT_DIR, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        {
            encoding: "utf8",
        },
    )
        .split("\0")
        .filter((f) => f && fs.existsSync(path.join(PROJECT_DIR, f)));
    for (const f of files) {
        fs.mkdirSync(path.dirname(path.join(to, f)), { recursive: true });
        fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(to, f));
    }
    fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(to, "node_modules"), "dir");
}

/**
 * `npm run plan -- <args>` in another checkout (a copy made by copyCheckout): its own launcher,
 * from its folder; the exit status, stdout and stderr, whatever the status.
 */
export function planIn(checkout: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    return run(process.execPath, [path.join(checkout, "plan", "launch.cjs"), ...args], {
        cwd: checkout,
        env: { ...process.env, NO_COLOR: "1", ...env },
        maxBuffer: 64 * 1024 * 1024,
    }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (err: { code: number; stdout: string; stderr: string }) => ({
            code: err.code,
            stdout: err.stdout,
            stderr: err.stderr,
        }),
    );
}
