import * as fs from "node:fs";
import * as path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import type { StartedBase } from "./base";
import type { PlanDocument } from "./plan";
import type { PolicyViolation } from "./policy";
import { PlanInputError, readStackConfig } from "./stackConfig";
import { runMain, strictUsage, UsageError } from "./usage";

/**
 * `npm run plan -- --stack <name> [--json]`: what `pulumi up` would create, offline. It loads the
 * project's entry point (index.ts), the module `pulumi up` runs, under Pulumi's runtime mocks.
 */

function parseVersions(value: string): string[] {
    if (value === "none") return [];
    const versions = value.split(",").map((v) => v.trim());
    if (versions.some((v) => !/^[1-9][0-9]*$/.test(v))) {
        throw new InvalidArgumentError('expected "none" or version numbers separated by commas, such as 1,2');
    }
    return versions;
}

function parseAliases(value: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const pair of value.split(",").map((p) => p.trim())) {
        const m = /^([a-z_][a-z0-9_]*)=([1-9][0-9]*)$/.exec(pair);
        if (!m)
            throw new InvalidArgumentError(
                "expected alias=version pairs separated by commas, such as champion=3,challenger=4",
            );
        out[m[1]] = m[2];
    }
    return out;
}

/**
 * The command, for `argv` (`process.argv`'s shape); resolves to the exit status. `program` is
 * the program to plan: by default the entry point `pulumi up` loads (tests pass the program itself).
 */
export async function main(
    argv: string[],
    program: () => Promise<Record<string, unknown>> = loadEntry,
): Promise<number> {
    const cli = new Command()
        .name("plan")
        .description("Show what `pulumi up` would create for a stack, without the Pulumi CLI or credentials.")
        .requiredOption("-s, --stack <name>", "stack to plan (reads Pulumi.yaml and Pulumi.<name>.yaml)")
        .option("--json", "print one JSON document in the shape of `pulumi preview --json`")
        .option("--user <userName>", "the deploying user the mocked workspace reports", "dev.user@example.com")
        .option(
            "--model-versions <list>",
            'versions the registered models have: "none" plans a first deploy; default: the versions the stack serves',
            parseVersions,
        )
        .option(
            "--aliases <list>",
            "the aliases the registered models have, alias=version (default: champion=1,challenger=2)",
            parseAliases,
        )
        .option("--unknowns", "show values providers compute (ids, URLs) as unknown, as a first `pulumi preview` does")
        .option("--project-dir <dir>", "folder holding Pulumi.yaml", path.resolve(__dirname, ".."))
        .option(
            "--base <ref-or-file>",
            "show the diff against a base: a git ref (checked out in a temporary folder) or a plan saved with --json",
        )
        .option("--diff", "print every input of each resource (with --base: implied for changed resources)")
        .option(
            "--second-up",
            "show what a second `pulumi up` right after the first would change (exit 3 when anything would); with --base, right after the `up` from the base",
        )
        .option("--fail-on-destroy", "with --base: exit 3 when a stateful resource would be replaced or deleted")
        .option("--out <file>", "write the output (the JSON document with --json) to this file instead of stdout")
        .option(
            "--policy-pack <dir>",
            "evaluate the CrossGuard policy pack in <dir>, as `pulumi preview --policy-pack`",
        )
        .option("--policy-pack-config <file>", "the pack's config for this stack (JSON), as `--policy-pack-config`")
        .option("--no-color", "plain text output");
    strictUsage(cli, "npm run plan --").parse(argv);
    const opts = cli.opts<{
        unknowns?: boolean;
        stack: string;
        json?: boolean;
        user: string;
        modelVersions?: string[];
        aliases?: Record<string, string>;
        projectDir: string;
        out?: string;
        color: boolean;
        base?: string;
        diff?: boolean;
        failOnDestroy?: boolean;
        secondUp?: boolean;
        policyPack?: string;
        policyPackConfig?: string;
    }>();
    if (opts.policyPackConfig !== undefined && opts.policyPack === undefined) {
        throw new UsageError("--policy-pack-config: needs --policy-pack");
    }
    const projectDir = path.resolve(opts.projectDir);

    // `--base <ref>`: the base's plan starts before this process loads anything heavy (the SDKs,
    // the program): it needs only the stack's files, read without the SDK or the config schema
    // (plan/routeVersions.ts).
    // Both sides see the same workspace: the same user and the same model versions.
    let started: StartedBase | undefined;
    if (opts.base !== undefined) {
        const [{ startBase }, { routeVersions }] = await Promise.all([import("./base"), import("./routeVersions")]);
        const versions =
            opts.modelVersions ?? routeVersions(readStackConfig(projectDir, opts.stack), projectDir, opts.aliases);
        started = startBase(opts.base, {
            stack: opts.stack,
            user: opts.user,
            modelVersions: versions,
            aliases: opts.aliases,
            projectDir,
        });
    }
    // Whatever fails before the head is planned stops the base's plan and removes what it made.
    const failEarly = async (err: unknown): Promise<never> => {
        await started?.beside(() => Promise.reject(err)).catch(() => undefined);
        throw err;
    };

    // Loaded once the arguments are good: a usage error answers at once, without the SDKs.
    const modules = await loadModules().catch(failEarly);
    const [{ buildPlan, deployNotes }, policy, render, { previewJson }] = modules;
    // Comparing plans (--base, --second-up) needs the diff and the read-back rules; a plain plan does not.
    const compare = () => Promise.all([import("./diff"), import("./secondUp")]);
    const { EXIT_POLICY_VIOLATION, evaluatePolicies, hasMandatory, loadPolicyPack, readPolicyConfig } = policy;
    const { renderPolicySummary, renderViolations } = policy;
    const { renderDiff, renderTree } = render;
    // The pack and its config are read before the program runs, so that a bad one fails at once.
    let pack: Awaited<ReturnType<typeof loadPolicyPack>> | undefined;
    let packConfig: ReturnType<typeof readPolicyConfig> = {};
    try {
        pack = opts.policyPack === undefined ? undefined : await loadPolicyPack(opts.policyPack);
        packConfig = pack && opts.policyPackConfig ? readPolicyConfig(opts.policyPackConfig, pack) : {};
    } catch (err) {
        await failEarly(err);
    }
    const policies = async (doc: PlanDocument): Promise<PolicyViolation[] | undefined> =>
        pack ? evaluatePolicies(doc, pack, packConfig) : undefined;
    // The violations, then what the pack ran (so a clean run shows it ran).
    const policyText = (violations: PolicyViolation[] | undefined, doc: PlanDocument, color: boolean) =>
        pack && violations
            ? renderViolations(violations, doc, color) + renderPolicySummary(violations, pack, packConfig, color)
            : "";
    // Mandatory violations fail the command, as they fail `pulumi preview`.
    const policyExit = (violations: PolicyViolation[] | undefined) =>
        violations && hasMandatory(violations) ? EXIT_POLICY_VIOLATION : 0;

    const color = !opts.out && opts.color && !!process.stdout.isTTY && !process.env.NO_COLOR;
    const emit = (text: string) => {
        if (opts.out) fs.writeFileSync(opts.out, text);
        else process.stdout.write(text);
    };
    const planHead = () =>
        buildPlan(program, {
            projectDir,
            stack: opts.stack,
            currentUser: opts.user,
            modelVersions: opts.modelVersions,
            aliases: opts.aliases,
            preview: opts.unknowns,
        });
    // What a real run would refuse, noted once the plan has succeeded and before its output (so
    // that the output's last line stays its summary); not with --json, whose reader wants JSON.
    const note = () => {
        const notes = opts.json ? [] : deployNotes(projectDir, opts.stack);
        if (notes.length === 0) return;
        process.stderr.write(
            `note: the offline plan lets these pass; a real \`pulumi preview\` or \`pulumi up\` of ${opts.stack} stops on them:\n${notes.map((n) => `  ${n}\n`).join("")}`,
        );
    };
    if (opts.secondUp && opts.base === undefined) {
        const [, { EXIT_SECOND_UP_CHANGES, isQuiet, renderSecondUp, secondUp }] = await compare();
        const doc = secondUp(await planHead());
        emit(opts.json ? `${JSON.stringify(doc, null, 2)}\n` : renderSecondUp(doc, opts.stack, color));
        return isQuiet(doc) ? 0 : EXIT_SECOND_UP_CHANGES;
    }
    if (opts.base === undefined) {
        const doc = await planHead();
        const violations = await policies(doc);
        note();
        emit(
            opts.json
                ? // An adopted resource is an `import` step then the `update` step the engine makes of it.
                  `${JSON.stringify(violations ? { ...previewJson(doc), policyViolations: violations } : previewJson(doc), null, 2)}\n`
                : renderTree(doc, opts.stack, color, opts.diff) + policyText(violations, doc, color),
        );
        return policyExit(violations);
    }

    // The base is checked out while this process plans the head, then planned (plan/base.ts).
    const { head, base } = await (started as StartedBase).beside(planHead);
    const [{ diffPlans }, { EXIT_SECOND_UP_CHANGES, isQuiet, renderSecondUp, secondUp }] = await compare();
    if (opts.secondUp) {
        // A second `up` right after the `up` that moves the stack from the base to the head.
        const doc = secondUp(head, base.doc);
        emit(opts.json ? `${JSON.stringify(doc, null, 2)}\n` : renderSecondUp(doc, opts.stack, color, base.label));
        return isQuiet(doc) ? 0 : EXIT_SECOND_UP_CHANGES;
    }
    const diff = diffPlans(base.doc, head);
    const violations = await policies(head);
    note();
    emit(
        opts.json
            ? `${JSON.stringify(violations ? { ...diff, policyViolations: violations } : diff, null, 2)}\n`
            : renderDiff(diff, opts.stack, base.label, color) + policyText(violations, head, color),
    );
    // A mandatory violation cannot be waived, a destructive change can (on purpose): 4 wins.
    if (policyExit(violations) !== 0) return EXIT_POLICY_VIOLATION;
    return opts.failOnDestroy && diff.destructive.length > 0 ? 3 : 0;
}

/** The modules that plan, check and print: they load the SDKs. */
function loadModules() {
    return Promise.all([import("./plan"), import("./policy"), import("./render"), import("./adoption")]);
}

/**
 * The entry point `pulumi up` loads, required when the plan runs it (after the stack files are
 * read, so that a missing or malformed one is reported at once).
 */
function loadEntry(): Promise<Record<string, unknown>> {
    // Before index.ts installs the language host's lighter setting: the plan needs neither the
    // SDK's promise bookkeeping nor source positions (see declarationStacks.ts).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require("../declarationStacks") as typeof import("../declarationStacks")).forOfflinePlan();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../index") as () => Promise<Record<string, unknown>>;
    return program();
}

/**
 * The command with this process's arguments. Bad input (stack config, files) is reported as a
 * message, never as a stack trace. The status is set, never `process.exit`ed (see
 * plan/usage.ts): nothing the plan runs keeps the event loop alive (the mocks open no
 * connection), so the process ends once stdout has drained. `npm run plan` runs it from the
 * bundle plan/launch.cjs keeps; the tests call `main`.
 */
export function run(): void {
    runMain(
        () => main(process.argv),
        (err) =>
            err instanceof PlanInputError ||
            (err instanceof Error && (err.name === "ConfigError" || err.name === "RefusedByProvider")),
        "the plan failed unexpectedly",
    );
}

// Run from its source (`tsx plan/cli.ts`), as a base planned at an older commit is.
if (require.main === module) run();
