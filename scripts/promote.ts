import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { Command } from "commander";
import pc from "picocolors";
import { isMap, parseDocument, type Document } from "yaml";
import { ConfigError, readSharedFile, SHARED_FILE, settingsFromConfig } from "../config/load";
import type { Settings } from "../config/schema";
import { type Difference, promotableDifferences } from "../config/scopes";
import { diffPlans } from "../plan/diff";
import { buildPlan, defaultModelVersions } from "../plan/plan";
import { formatValue, renderDiff } from "../plan/render";
import { PlanInputError, readStackConfig } from "../plan/stackConfig";
import { runMain, strictUsage } from "../plan/usage";

/**
 * `npm run promote -- --from dev --to prod [--write]`: promotes a change through the stack
 * configs. Lists the promotable settings (see `config/scopes.ts`) whose effective values differ
 * between the two stacks; with `--write`, writes them into the target's stack file (comments,
 * order and formatting kept: the yaml Document API), checks the result with the target's own
 * rules, shows the target's plan diff, and only then writes. Environment-scoped settings and
 * secrets are never touched. Exit codes: 0 nothing to promote, listed, or written; 2 the result
 * would be invalid (nothing written) or bad input.
 */

/** The program `pulumi up` runs, loaded when a plan is made. */
function program(): Promise<Record<string, unknown>> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require("../index") as () => Promise<Record<string, unknown>>)();
}

function settingsOf(projectDir: string, stack: string): Settings {
    const c = readStackConfig(projectDir, stack);
    return settingsFromConfig({
        namespace: c.project,
        stack,
        config: c.config,
        isSecret: (k) => c.secretKeys.includes(k),
        projectDir,
    });
}

/** `ml-project inference.cron` or `sparkVersion`. */
function label(d: Difference): string {
    return `${d.project ? `${d.project} ` : ""}${d.path.join(".")}`;
}

function valueAt(value: unknown, keys: string[]): unknown {
    return keys.reduce<unknown>(
        (v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined),
        value,
    );
}

/** Removes maps left empty under `keys` (an override with nothing left in it). */
function pruneEmpty(doc: Document, keys: (string | number)[]): void {
    for (let n = keys.length; n > 1; n--) {
        const node = doc.getIn(keys.slice(0, n));
        if (isMap(node) && node.items.length === 0) doc.deleteIn(keys.slice(0, n));
        else break;
    }
}

/**
 * Writes the differences into the target's stack file document: a stack-level setting under its
 * key, a project's under `projectOverrides.<project>` (or in the stack's own `projects` list, if
 * it has one). A value equal to the shared one removes the target's override instead, so the
 * stack file keeps only what differs.
 */
export function applyPromotion(doc: Document, diffs: Difference[], namespace: string, projectDir: string): void {
    const shared = readSharedFile(projectDir);
    const ownProjects = doc.getIn(["config", `${namespace}:projects`]);
    for (const d of diffs) {
        if (!d.project) {
            const key = ["config", `${namespace}:${d.path[0]}`];
            doc.setIn(key, structuredClone(d.after));
            continue;
        }
        if (ownProjects !== undefined) {
            const list = doc.getIn(["config", `${namespace}:projects`]) as { items: unknown[] };
            const index = list.items.findIndex(
                (item) => (item as { get?: (k: string) => unknown }).get?.("name") === d.project,
            );
            doc.setIn(["config", `${namespace}:projects`, index, ...d.path], structuredClone(d.after));
            continue;
        }
        const sharedProject = ((shared.projects ?? []) as { name?: string }[]).find((p) => p.name === d.project);
        const key = ["config", `${namespace}:projectOverrides`, d.project, ...d.path];
        if (isDeepStrictEqual(valueAt(sharedProject, d.path), d.after)) {
            if (doc.hasIn(key)) doc.deleteIn(key);
            pruneEmpty(doc, key.slice(0, -1));
        } else {
            doc.setIn(key, structuredClone(d.after));
        }
    }
}

/**
 * The command, for `argv` (`process.argv`'s shape); resolves to the exit status. `entry` is the
 * program the plan diff runs: by default the entry point `pulumi up` loads (tests pass the program).
 */
export async function main(argv: string[], entry: () => Promise<Record<string, unknown>> = program): Promise<number> {
    const cli = new Command()
        .name("promote")
        .description("Promote the promotable settings of one stack to another, through the stack files.")
        .requiredOption("--from <stack>", "the stack whose values are promoted (dev)")
        .requiredOption("--to <stack>", "the stack that gets them (prod)")
        .option("--write", "write them into the target's stack file, after checking the result")
        .option("--project-dir <dir>", "folder holding Pulumi.yaml", path.resolve(__dirname, ".."))
        .option("--user <userName>", "the deploying user of the plan diff's mocked workspace", "dev.user@example.com")
        .option("--no-color", "plain text output");
    strictUsage(cli, "npm run promote --").parse(argv);
    const opts = cli.opts<{
        from: string;
        to: string;
        write?: boolean;
        projectDir: string;
        user: string;
        color: boolean;
    }>();
    const projectDir = path.resolve(opts.projectDir);
    const c = pc.createColors(opts.color && !!process.stdout.isTTY && !process.env.NO_COLOR);
    const targetFile = path.join(projectDir, `Pulumi.${opts.to}.yaml`);

    const source = settingsOf(projectDir, opts.from);
    const target = settingsOf(projectDir, opts.to);
    const diffs = promotableDifferences(source, target);
    if (diffs.length === 0) {
        process.stdout.write(
            `Nothing to promote: the promotable settings of ${opts.from} and ${opts.to} are the same.\n`,
        );
        return 0;
    }
    const lines = [`Promotable settings that differ (${opts.to} => ${opts.from}):`];
    for (const d of diffs) lines.push(c.yellow(`  ~ ${label(d)}: ${formatValue(d.before)} => ${formatValue(d.after)}`));
    process.stdout.write(`${lines.join("\n")}\n`);
    if (!opts.write) {
        process.stdout.write(`\nRun again with --write to write them into ${path.basename(targetFile)}.\n`);
        return 0;
    }

    const text = fs.readFileSync(targetFile, "utf8");
    const doc = parseDocument(text);
    const namespace = readStackConfig(projectDir, opts.to).project;
    applyPromotion(doc, diffs, namespace, projectDir);
    const promoted = doc.toString();

    // The result, checked with the target's own rules and planned, before anything is written.
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-promote-"));
    try {
        for (const f of ["Pulumi.yaml", SHARED_FILE]) {
            if (fs.existsSync(path.join(projectDir, f)))
                fs.copyFileSync(path.join(projectDir, f), path.join(scratch, f));
        }
        fs.writeFileSync(path.join(scratch, path.basename(targetFile)), promoted);
        try {
            const after = settingsOf(scratch, opts.to);
            const left = promotableDifferences(source, after);
            if (left.length > 0) throw new Error(`promotion left differences: ${left.map(label).join(", ")}`);
        } catch (err) {
            if (err instanceof ConfigError) {
                process.stderr.write(
                    `error: the promotion would make ${opts.to} invalid; nothing was written:\n  ${err.problems.join("\n  ")}\n`,
                );
                return 2;
            }
            throw err;
        }
        const versions = defaultModelVersions(readStackConfig(projectDir, opts.to), projectDir);
        const plan = (dir: string) =>
            buildPlan(entry, { projectDir: dir, stack: opts.to, currentUser: opts.user, modelVersions: versions });
        const before = await plan(projectDir);
        const after = await plan(scratch);
        process.stdout.write(
            `\n${renderDiff(diffPlans(before, after), opts.to, `${path.basename(targetFile)} before the promotion`, c.isColorSupported)}`,
        );
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
    fs.writeFileSync(targetFile, promoted);
    process.stdout.write(
        `\nWrote ${diffs.length} setting${diffs.length === 1 ? "" : "s"} to ${path.basename(targetFile)}.\n`,
    );
    return 0;
}

// Run as a command (`npm run promote`), not imported (the tests call `main`).
if (require.main === module)
    runMain(
        () => main(process.argv),
        (err) => err instanceof PlanInputError || err instanceof ConfigError,
        "the promotion failed unexpectedly",
    );
