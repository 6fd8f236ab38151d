import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { PlanDocument } from "./plan";
import { PlanInputError } from "./stackConfig";

/**
 * The base of a diff: a plan saved earlier (`npm run -s plan -- --stack prod --json > base.json`)
 * or a git ref of this repository, planned as it was there. A ref is checked out in a temporary
 * worktree that shares this checkout's node_modules, and planned by its own plan CLI in a process
 * of its own (the base's program, config and notebooks, not the working tree's).
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

/** A plan with nothing in it: the base of a stack that did not exist there. */
export function emptyPlan(): PlanDocument {
    return { config: {}, steps: [], diagnostics: [], changeSummary: { create: 0 } };
}

function git(args: string[]): { ok: boolean; stdout: string; stderr: string } {
    const r = spawnSync("git", ["-C", ROOT, ...args], { encoding: "utf8" });
    return { ok: r.status === 0, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

/** Reads a saved plan, or plans a git ref; a name that is neither is an input error. */
export function planBase(base: string, opts: BaseOptions): { doc: PlanDocument; label: string } {
    if (fs.existsSync(base) && fs.statSync(base).isFile()) return { doc: readPlanFile(base), label: base };
    const commit = git(["rev-parse", "--verify", "--quiet", `${base}^{commit}`]);
    if (!commit.ok) {
        throw new PlanInputError(`--base: "${base}" is neither a plan JSON file nor a git ref of this repository`);
    }
    const label = `${base} (${commit.stdout.slice(0, 12)})`;
    const relativeProject = path.relative(ROOT, opts.projectDir);
    const insideCheckout = !relativeProject.startsWith("..") && !path.isAbsolute(relativeProject);
    const stackFile = path.posix.join(relativeProject.split(path.sep).join("/"), `Pulumi.${opts.stack}.yaml`);
    if (insideCheckout && !git(["cat-file", "-e", `${commit.stdout}:${stackFile}`]).ok) {
        return { doc: emptyPlan(), label: `${label}, where the stack did not exist` };
    }

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-base-"));
    const worktree = path.join(dir, "tree");
    const added = git(["worktree", "add", "--detach", "--quiet", worktree, commit.stdout]);
    if (!added.ok) throw new PlanInputError(`--base: cannot check out ${base}: ${added.stderr}`);
    try {
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(worktree, "node_modules"), "dir");
        const out = path.join(dir, "plan.json");
        const fd = fs.openSync(out, "w");
        // The base's own CLI, its output to a file: a file takes it whole, whatever that CLI's age.
        const result = spawnSync(
            path.join(ROOT, "node_modules", ".bin", "tsx"),
            [
                path.join(worktree, "plan", "cli.ts"),
                "--stack",
                opts.stack,
                "--json",
                "--user",
                opts.user,
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
                insideCheckout ? path.join(worktree, relativeProject) : opts.projectDir,
            ],
            { stdio: ["ignore", fd, "pipe"], encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
        );
        fs.closeSync(fd);
        if (result.status !== 0) {
            throw new PlanInputError(
                `--base: the stack ${opts.stack} does not plan at ${label}:\n${result.stderr.trim()}`,
            );
        }
        return { doc: readPlanFile(out), label };
    } finally {
        git(["worktree", "remove", "--force", worktree]);
        fs.rmSync(dir, { recursive: true, force: true });
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
    return doc as PlanDocument;
}
