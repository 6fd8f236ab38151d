import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR } from "./harness";
import { sharedPath } from "./shared";

/**
 * No bundle makes the import hang or crash: real bundles where they stand (../shared/bundles,
 * and the Databricks CLI's own test bundles in the Go module cache once the CLI is built), and
 * the shapes that hung or crashed it, each imported (exit 0) or refused with a message (exit 2)
 * within a time bound. The imports run in a process the test can kill (tests/importEach.ts): a
 * synchronous loop cannot be stopped from inside.
 */

/** The bound on one bundle's import: the slowest real bundle takes well under a second. */
const PER_BUNDLE_MS = 10_000;

export const SHARED_BUNDLES = sharedPath("bundles");

/** The CLI's test bundles: `acceptance/bundle` of the module the CLI was built from. */
export function cliTestBundles(): string | undefined {
    const go = spawnSync("go", ["env", "GOMODCACHE"], { encoding: "utf8" });
    if (go.status !== 0) return undefined;
    const version = (() => {
        try {
            return fs.readFileSync(path.join(PROJECT_DIR, ".tools", "bin", "databricks.version"), "utf8").trim();
        } catch {
            return "v0.298.0";
        }
    })();
    const dir = path.join(go.stdout.trim(), "github.com", "databricks", `cli@${version}`, "acceptance", "bundle");
    return fs.existsSync(dir) ? dir : undefined;
}

/** Every folder under `root` holding a bundle's root file. */
function bundleFolders(root: string): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
        const entries = fs.readdirSync(dir, { withFileTypes: true });
        if (entries.some((e) => e.isFile() && ["databricks.yml", "databricks.yaml", "bundle.yml"].includes(e.name)))
            out.push(dir);
        for (const e of entries) if (e.isDirectory() && !e.name.startsWith(".")) walk(path.join(dir, e.name));
    };
    walk(root);
    return out.sort();
}

interface Outcome {
    dir: string;
    exitCode?: number;
    error?: string;
    ms?: number;
    crash?: string;
}

/** Imports the folders in a child process; a bundle that takes longer than the bound is named and the process killed. */
async function importEach(dirs: string[]): Promise<{ outcomes: Outcome[]; hung?: string }> {
    // Node itself with tsx's loader, not the tsx command: that one runs Node as a child of its own,
    // which a kill of the command leaves running.
    const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "importEach.ts"), ...dirs], {
        cwd: PROJECT_DIR,
        stdio: ["ignore", "pipe", "inherit"],
    });
    const outcomes: Outcome[] = [];
    let started: string | undefined;
    let hung: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    // The first bound also covers the process's start.
    const arm = (ms: number) => {
        clearTimeout(timer);
        timer = setTimeout(() => {
            hung = started ?? "(the process did not start)";
            child.kill("SIGKILL");
        }, ms);
    };
    arm(PER_BUNDLE_MS * 3);
    let buffer = "";
    child.stdout.on("data", (d: Buffer) => {
        buffer += d.toString();
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        for (const line of lines) {
            const msg = JSON.parse(line) as Outcome & { start?: string };
            if (msg.start !== undefined) {
                started = msg.start;
                arm(PER_BUNDLE_MS);
            } else outcomes.push(msg);
        }
    });
    await new Promise((resolve) => child.on("close", resolve));
    clearTimeout(timer);
    return { outcomes, hung };
}

function expectClean(dirs: string[], result: { outcomes: Outcome[]; hung?: string }): void {
    expect(result.hung, "an import that did not end within the bound").toBeUndefined();
    expect(result.outcomes.map((o) => o.dir)).toEqual(dirs);
    for (const o of result.outcomes) {
        expect(o.crash, o.dir).toBeUndefined();
        expect([0, 2], o.dir).toContain(o.exitCode);
        if (o.exitCode === 2) expect(o.error, o.dir).toMatch(/\S/);
        expect(o.ms, o.dir).toBeLessThan(PER_BUNDLE_MS);
    }
}

/** Bundles of the shapes that hung or crashed the import. */
const SHAPES: Record<string, string> = {
    // `${resources.volumes.<v>.volume_path}` followed by more text: the reference pattern backtracked without end.
    "volume-path": `bundle: {name: volume-path}
resources:
  volumes:
    landing: {catalog_name: main, schema_name: default, name: landing}
  experiments:
    e: {name: /Shared/volume-path}
  jobs:
    train:
      name: train
      trigger: {file_arrival: {url: "\${resources.volumes.landing.volume_path}/incoming/"}}
      tasks:
        - task_key: t
          notebook_task:
            notebook_path: /Shared/x
            base_parameters: {path: "\${resources.volumes.landing.volume_path}/incoming/x_y-z"}
targets: {dev: {mode: development}}
`,
    // Resource keys without a body: "Cannot read properties of null (reading 'trigger')".
    "empty-bodies": `bundle: {name: empty-bodies}
resources:
  experiments:
    e: {name: /Shared/empty-bodies}
    undefined-experiment:
  jobs:
    undefined-job:
  schemas:
  registered_models:
    m:
targets: {dev: {mode: development}}
`,
    // Jobs of odd shapes: null and scalar tasks, a task of no kind, an empty trigger, a dependency on nothing.
    "odd-jobs": `bundle: {name: odd-jobs}
resources:
  experiments: {e: {name: /Shared/odd-jobs}}
  jobs:
    training_job:
      name: train
      trigger: {}
      tasks: [null, 3, {task_key: Train, notebook_task: null}, {task_key: t2, depends_on: [null, {task_key: nope}]}, {task_key: "bad key!", spark_python_task: {python_file: x.py}}]
    batch_inference:
      schedule: null
      tasks: {not: a list}
    retraining_job:
      tasks: [{task_key: r, run_job_task: {job_id: 42}}, {task_key: c, condition_task: {op: NOPE}}]
targets: {dev: {mode: development}, prod: {}}
`,
    // A variable whose value names itself twice: each round doubles it.
    "self-reference": `bundle: {name: self-reference}
variables:
  a: {default: "x\${var.a}\${var.a}"}
resources:
  experiments:
    e: {name: "/Shared/\${var.a}"}
targets: {dev: {mode: development}}
`,
};

describe("no bundle hangs or crashes the import", () => {
    it("the shapes that did or might: a reference followed by text, empty bodies, odd job shapes, a self-reference", async () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-shapes-"));
        const dirs = Object.entries(SHAPES).map(([name, yml]) => {
            const dir = path.join(root, name);
            fs.mkdirSync(dir);
            fs.writeFileSync(path.join(dir, "databricks.yml"), yml);
            return dir;
        });
        expectClean(dirs, await importEach(dirs));
    }, 60_000);

    const shared = fs.existsSync(SHARED_BUNDLES);
    it.skipIf(!shared)(
        `every bundle of ../shared/bundles${shared ? "" : ": skipped, no ../shared/bundles beside this checkout"}`,
        async () => {
            const dirs = bundleFolders(SHARED_BUNDLES);
            expect(dirs.length).toBeGreaterThan(0);
            expectClean(dirs, await importEach(dirs));
        },
        120_000,
    );

    const cliBundles = cliTestBundles();
    it.skipIf(cliBundles === undefined)(
        `every test bundle of the Databricks CLI${cliBundles ? "" : ": skipped, the CLI's source is not in the Go module cache (npm run build:databricks-cli)"}`,
        async () => {
            const dirs = bundleFolders(cliBundles as string);
            expect(dirs.length).toBeGreaterThan(100);
            expectClean(dirs, await importEach(dirs));
        },
        600_000,
    );
});
