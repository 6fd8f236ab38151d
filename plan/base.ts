import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { PlanDocument } from "./plan";
import { PlanInputError } from "./stackConfig";

/**
 * The base of a diff: a plan saved earlier (`npm run -s plan -- --stack prod --json > base.json`)
 * or a git ref of this repository, planned as it was there: the base's program, config and
 * notebooks, not the working tree's. A ref is checked out in a temporary folder that shares this
 * checkout's node_modules, by a child process while this one plans the head, and then planned by
 * its own CLI in this process (see BaseJob).
 */

/** This checkout's root: the folder holding plan/. */
const ROOT = path.resolve(__dirname, "..");

export interface BaseOptions {
    stack: string;
    /** The deploying user, the same for both sides. */
    user: string;
    /** The model versions the mocked workspace has, the same for both sides. */
    modelVersions: string[];
    /** The models' aliases, when given (a base older than `--aliases` plans with its own default). */
    aliases?: Record<string, string>;
    /** The head's project folder; inside this checkout it maps to the same folder in the base. */
    projectDir: string;
}

export interface BasePlan {
    doc: PlanDocument;
    /** What the diff names the base by: the file, or the ref and its commit. */
    label: string;
}

/** A plan with nothing in it: the base of a stack that did not exist there. */
export function emptyPlan(): PlanDocument {
    return { config: {}, steps: [], diagnostics: [], changeSummary: { create: 0 } };
}

function git(args: string[]): { ok: boolean; stdout: string; stderr: string } {
    const r = spawnSync("git", ["-C", ROOT, ...args], { encoding: "utf8" });
    return { ok: r.status === 0, stdout: (r.stdout ?? "").trim(), stderr: (r.stderr ?? "").trim() };
}

/**
 * Objects of this repository by name (`<rev>`, `<rev>:<path>`), in one `git cat-file --batch`:
 * each one's id and contents, or undefined where there is none.
 */
function gitObjects(names: string[]): ({ id: string; type: string; content: Buffer } | undefined)[] {
    const r = spawnSync("git", ["-C", ROOT, "cat-file", "--batch"], {
        input: names.map((n) => `${n}\n`).join(""),
        maxBuffer: 256 * 1024 * 1024,
    });
    if (r.status !== 0) return names.map(() => undefined);
    const out = r.stdout;
    const objects: ({ id: string; type: string; content: Buffer } | undefined)[] = [];
    let at = 0;
    for (let i = 0; i < names.length; i++) {
        const end = out.indexOf(10, at);
        const header = out.subarray(at, end).toString("utf8");
        const [id, type, size] = header.split(" ");
        if (/ (missing|ambiguous)$/.test(header) || size === undefined || !/^[0-9]+$/.test(size)) {
            // "<name> missing" (or "ambiguous"): no contents follow.
            objects.push(undefined);
            at = end + 1;
            continue;
        }
        objects.push({ id, type, content: out.subarray(end + 1, end + 1 + Number(size)) });
        at = end + 1 + Number(size) + 1;
    }
    return objects;
}

/** Runs a process to its end: its exit status and what it wrote to stderr. */
function finished(
    child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    return new Promise((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({ code, signal, stderr: stderr.trim() }));
    });
}

/**
 * Plans the head (`planHead`, in this process) and the base: a saved plan is read; a git ref is
 * checked out (and an older one planned) by a child process while the head is planned, then
 * planned by its own CLI. Whatever happens (an error on either side, Ctrl-C), the child is
 * stopped and the checkout and its folder are removed before this returns or the process ends.
 */
export async function planBeside(
    base: string,
    opts: BaseOptions,
    planHead: () => Promise<PlanDocument>,
): Promise<{ head: PlanDocument; base: BasePlan }> {
    return startBase(base, opts).beside(planHead);
}

/** A base whose plan is under way (or read), to be joined with the head's. */
export interface StartedBase {
    /**
     * Plans the head and returns both plans; the base's child, checkout and folder are gone when
     * it settles. Called once.
     */
    beside(planHead: () => Promise<PlanDocument>): Promise<{ head: PlanDocument; base: BasePlan }>;
}

/**
 * Starts the base's work before returning (its checkout, or an older base's CLI), so that it runs
 * while the caller loads what the head needs; a base that is neither a plan file nor a git ref
 * fails here, at once.
 */
export function startBase(base: string, opts: BaseOptions): StartedBase {
    if (fs.existsSync(base) && fs.statSync(base).isFile()) {
        const saved = { doc: readPlanFile(base), label: base };
        return { beside: async (planHead) => ({ head: await planHead(), base: saved }) };
    }
    const relativeProject = path.relative(ROOT, opts.projectDir);
    const insideCheckout = !relativeProject.startsWith("..") && !path.isAbsolute(relativeProject);
    const stackFile = path.posix.join(relativeProject.split(path.sep).join("/"), `Pulumi.${opts.stack}.yaml`);
    // The commit, its stack file and its plan launcher, in one call of git. A name git reads as
    // an option is no ref (`rev-parse --verify` refused those before).
    const rev = `${base}^{commit}`;
    const [commit, launcher, stack] = base.startsWith("-")
        ? [undefined, undefined, undefined]
        : gitObjects([rev, `${rev}:plan/launch.cjs`, ...(insideCheckout ? [`${rev}:${stackFile}`] : [])]);
    if (commit?.type !== "commit") {
        throw new PlanInputError(`--base: "${base}" is neither a plan JSON file nor a git ref of this repository`);
    }
    const label = `${base} (${commit.id.slice(0, 12)})`;
    if (insideCheckout && stack === undefined) {
        const empty = { doc: emptyPlan(), label: `${label}, where the stack did not exist` };
        return { beside: async (planHead) => ({ head: await planHead(), base: empty }) };
    }

    const inProcess = launcher !== undefined && handsOverCli(launcher.content.toString("utf8"));
    const job = new BaseJob(commit.id, base, opts, insideCheckout ? relativeProject : undefined, inProcess);
    return {
        beside: async (planHead) => {
            try {
                const head = await planHead();
                const out = await job.result();
                if (out.code !== 0) {
                    throw new PlanInputError(
                        `--base: the stack ${opts.stack} does not plan at ${label}:\n${out.stderr}`,
                    );
                }
                return { head, base: { doc: readPlanFile(out.file), label } };
            } finally {
                await job.dispose();
            }
        },
    };
}

/**
 * The base's temporary folder: named by this checkout and the commit when no other plan of that
 * base uses it now, so that the base's bundle, kept by the path of its sources (plan/launch.cjs),
 * is found again by the next plan of the same base; else a fresh one.
 */
function workFolder(commit: string): string {
    const key = createHash("sha256").update(`${ROOT}\0${commit}`).digest("hex").slice(0, 16);
    const stable = path.join(os.tmpdir(), `mlops-base-${key}`);
    try {
        fs.mkdirSync(stable);
        return stable;
    } catch {
        return fs.mkdtempSync(path.join(os.tmpdir(), "mlops-base-"));
    }
}

/**
 * Whether the base's plan launcher (plan/launch.cjs at that commit) hands its CLI to a caller
 * (`load()`), so that the base can be planned in this process; older bases plan in a process of
 * their own.
 */
function handsOverCli(launcher: string): boolean {
    return /module\.exports\s*=\s*\{[^}]*\bload\b/.test(launcher);
}

/** The part of plan/launch.cjs that plan/base.ts calls. */
interface Launcher {
    load(): Promise<{ main(argv: string[]): Promise<number> }>;
}

/**
 * Run in a process of its own while the head is planned (arguments: this checkout's root, the
 * folder to check the base out in, the commit): writes the commit's files there from git's
 * objects (no worktree: nothing for git to forget when the folder goes), links this checkout's
 * node_modules into it and has the base's launcher build or check its bundle.
 */
const CHECKOUT = `
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const [root, tree, commit] = process.argv.slice(1);
const git = (args, input) => execFileSync("git", ["-C", root, ...args], { input, maxBuffer: 1 << 30 });
const entries = git(["ls-tree", "-r", "-z", "--full-tree", commit]).toString("utf8").split("\\0").filter(Boolean)
    .map((e) => { const tab = e.indexOf("\\t"); const [mode, type, id] = e.slice(0, tab).split(" "); return { mode, type, id, file: e.slice(tab + 1) }; })
    .filter((e) => e.type === "blob");
const out = git(["cat-file", "--batch"], entries.map((e) => e.id + "\\n").join(""));
let at = 0;
for (const e of entries) {
    const end = out.indexOf(10, at);
    const size = Number(out.subarray(at, end).toString("utf8").split(" ")[2]);
    const content = out.subarray(end + 1, end + 1 + size);
    at = end + 1 + size + 1;
    const target = path.join(tree, e.file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (e.mode === "120000") fs.symlinkSync(content.toString("utf8"), target);
    else fs.writeFileSync(target, content, { mode: e.mode === "100755" ? 0o755 : 0o644 });
}
fs.symlinkSync(path.join(root, "node_modules"), path.join(tree, "node_modules"), "dir");
const launcher = require(path.join(tree, "plan", "launch.cjs"));
launcher.prepare().catch((err) => {
    // A source of the base that does not bundle: as the launcher words it (file, line), no stack trace.
    const problem = (launcher.bundlingProblem && launcher.bundlingProblem(err)) || String(err && err.stack ? err.stack : err);
    process.stderr.write(problem + "\\n");
    process.exitCode = 1;
});
`;

/**
 * The base's plan under way: its temporary folder, its checkout there and a child process.
 *
 * A base whose launcher hands over its CLI is planned in this process, once the head is planned:
 * its checkout and its bundle are made meanwhile in a process of their own (on the other core),
 * and its plan then loads no SDK (this process has them loaded) and takes about a fifth of a plan
 * of its own. On two cores that is faster than two plans side by side, which slow each other by a
 * quarter to a third (docs/scale-and-performance.md). An older base is planned by its own CLI in
 * a process of its own, started at once, while the head is planned.
 */
class BaseJob {
    private readonly dir: string;
    private readonly checkout: string;
    private readonly inProcess: boolean;
    private child: ChildProcess | undefined;
    /** The child's work: the checkout (in process), or the base's plan (its CLI's exit status, stderr). */
    private readonly done: Promise<{ code: number | null; stderr: string }>;
    /** Where the base's plan is written. */
    private readonly file: string;
    /** Ctrl-C or a kill while the base is planned: clean up, then end as the signal would. */
    private readonly onSignal = (signal: NodeJS.Signals) => {
        this.child?.kill("SIGKILL");
        this.removeFiles();
        process.kill(process.pid, signal);
    };

    constructor(
        private readonly commit: string,
        private readonly ref: string,
        private readonly opts: BaseOptions,
        private readonly relativeProject: string | undefined,
        inProcess: boolean,
    ) {
        this.dir = workFolder(commit);
        this.checkout = path.join(this.dir, "tree");
        this.file = path.join(this.dir, "plan.json");
        this.inProcess = inProcess;
        this.listen(true);
        this.done = this.inProcess ? this.checkOut() : this.planInChild();
        // Awaited after the head is planned; a failure meanwhile is not an unhandled rejection.
        this.done.catch(() => undefined);
    }

    private listen(on: boolean): void {
        for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
            if (on) process.once(s, this.onSignal);
            else process.removeListener(s, this.onSignal);
        }
    }

    /** The base CLI's arguments, from after the script's name (`--out` is added by each way). */
    private cliArgs(): string[] {
        const opts = this.opts;
        return [
            ...["--stack", opts.stack, "--json", "--user", opts.user],
            ...(opts.modelVersions.length > 0 ? ["--model-versions", opts.modelVersions.join(",")] : []),
            ...(opts.aliases
                ? [
                      "--aliases",
                      Object.entries(opts.aliases)
                          .map(([a, v]) => `${a}=${v}`)
                          .join(","),
                  ]
                : []),
            "--project-dir",
            this.relativeProject !== undefined ? path.join(this.checkout, this.relativeProject) : opts.projectDir,
        ];
    }

    /** Checks the base out and prepares its bundle, in a process started before this returns. */
    private async checkOut(): Promise<{ code: number | null; stderr: string }> {
        this.child = spawn(process.execPath, ["-e", CHECKOUT, ROOT, this.checkout, this.commit], {
            cwd: ROOT,
            stdio: ["ignore", "ignore", "pipe"],
        });
        return finished(this.child);
    }

    /** Checks the commit out and plans the stack there with the base's own CLI, to a file. */
    private async planInChild(): Promise<{ code: number | null; stderr: string }> {
        // Checked out and started before this returns (the constructor's turn): the head's plan,
        // which starts next, loads the SDK without yielding to the event loop, so a checkout
        // awaited here would start the base only once the head has loaded it (a checkout takes
        // a fraction of that).
        const add = git(["worktree", "add", "--detach", "--quiet", this.checkout, this.commit]);
        if (!add.ok) throw new PlanInputError(`--base: cannot check out ${this.ref}: ${add.stderr}`);
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(this.checkout, "node_modules"), "dir");
        const fd = fs.openSync(this.file, "w");
        try {
            // The base's own CLI, in one process (no npm or tsx wrapper process to outlive it): its
            // launcher where it has one, else its cli.ts under tsx's loader. Its output to a file:
            // a file takes it whole, whatever that CLI's age.
            const launcher = path.join(this.checkout, "plan", "launch.cjs");
            this.child = spawn(
                process.execPath,
                [
                    ...(fs.existsSync(launcher)
                        ? [launcher]
                        : ["--import", "tsx", path.join(this.checkout, "plan", "cli.ts")]),
                    ...this.cliArgs(),
                ],
                // From this checkout's root, where `tsx` resolves, as `npm run` starts the head.
                { cwd: ROOT, stdio: ["ignore", fd, "pipe"], env: { ...process.env, NO_COLOR: "1" } },
            );
        } finally {
            fs.closeSync(fd);
        }
        return finished(this.child);
    }

    /**
     * The base's plan, once the head is planned: its exit status, what it reported, the file it
     * wrote. In this process, the base's CLI plans from its checkout; an error it throws is what
     * it would have printed.
     */
    async result(): Promise<{ code: number | null; stderr: string; file: string }> {
        const run = await this.done;
        if (!this.inProcess || run.code !== 0) {
            const stderr = this.inProcess ? `its checkout or bundle failed:\n${run.stderr}` : run.stderr;
            return { code: run.code, stderr, file: this.file };
        }
        const launcherFile = path.join(this.checkout, "plan", "launch.cjs");
        try {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const cli = await (require(launcherFile) as Launcher).load();
            const code = await cli.main([process.execPath, launcherFile, ...this.cliArgs(), "--out", this.file]);
            return { code, stderr: "", file: this.file };
        } catch (err) {
            return { code: 1, stderr: `error: ${err instanceof Error ? err.message : String(err)}`, file: this.file };
        }
    }

    /**
     * Stops the child if it still runs, waits for what is under way (a checkout, the child's
     * end), then removes the checkout and the folder.
     */
    async dispose(): Promise<void> {
        if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
        await this.done.catch(() => undefined);
        this.removeFiles();
        this.listen(false);
    }

    private removeFiles(): void {
        // A base planned in its own process had a git worktree; one planned here, plain files.
        if (!this.inProcess && fs.existsSync(this.checkout)) git(["worktree", "remove", "--force", this.checkout]);
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

function readPlanFile(file: string): PlanDocument {
    let doc: unknown;
    try {
        doc = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new PlanInputError(`--base: ${file} is not a JSON plan: ${(err as Error).message}`);
    }
    const steps = (doc as { steps?: unknown }).steps;
    if (!Array.isArray(steps) || steps.some((s) => typeof s?.urn !== "string" || typeof s?.newState !== "object")) {
        throw new PlanInputError(
            `--base: ${file} is not a plan saved with --json (expected "steps" with "urn" and "newState")`,
        );
    }
    // One step per resource: the `update` that follows an `import` (plan/adoption.ts) is not another.
    const plan = doc as PlanDocument;
    return { ...plan, steps: plan.steps.filter((s) => (s.op as string) !== "update") };
}
