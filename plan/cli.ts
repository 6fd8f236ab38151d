import * as fs from "node:fs";
import * as path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { forOfflinePlan } from "../declarationStacks";
import { buildPlan } from "./plan";
import { renderTree } from "./render";
import { PlanInputError } from "./stackConfig";

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

async function main(argv: string[]): Promise<number> {
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
        .option("--unknowns", "show values providers compute (ids, URLs) as unknown, as a first `pulumi preview` does")
        .option("--project-dir <dir>", "folder holding Pulumi.yaml", path.resolve(__dirname, ".."))
        .option("--out <file>", "write the output (the JSON document with --json) to this file instead of stdout")
        .option("--no-color", "plain text output")
        .showHelpAfterError();
    cli.parse(argv);
    const opts = cli.opts<{
        unknowns?: boolean;
        stack: string;
        json?: boolean;
        user: string;
        modelVersions?: string[];
        projectDir: string;
        out?: string;
        color: boolean;
    }>();

    // The entry point `pulumi up` loads, required when the plan runs it (after the stack files
    // are read, so that a missing or malformed one is reported at once).
    const program = () => {
        // Before index.ts installs the language host's lighter setting: the plan needs neither
        // the SDK's promise bookkeeping nor source positions (see declarationStacks.ts).
        forOfflinePlan();
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const entry = require("../index") as () => Promise<Record<string, unknown>>;
        return entry();
    };
    const doc = await buildPlan(program, {
        projectDir: path.resolve(opts.projectDir),
        stack: opts.stack,
        currentUser: opts.user,
        modelVersions: opts.modelVersions,
        preview: opts.unknowns,
    });
    const color = !opts.out && opts.color && !!process.stdout.isTTY && !process.env.NO_COLOR;
    const text = opts.json ? `${JSON.stringify(doc, null, 2)}\n` : renderTree(doc, opts.stack, color);
    if (opts.out) fs.writeFileSync(opts.out, text);
    else process.stdout.write(text);
    return 0;
}

// A reader that goes away early (`| head`) is not an error of the plan.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
});

// The status is set, never `process.exit`ed: a pipe takes stdout asynchronously, and exiting at
// once would cut the document at the pipe's buffer (64 KiB). Nothing the plan runs keeps the
// event loop alive (the mocks open no connection), so the process ends once stdout has drained.
main(process.argv).then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        // Bad input (stack config, files) is reported as a message, never as a stack trace.
        if (err instanceof PlanInputError || (err instanceof Error && err.name === "ConfigError")) {
            process.stderr.write(`error: ${err.message}\n`);
            process.exitCode = 2;
            return;
        }
        process.stderr.write(
            `error: the plan failed unexpectedly:\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
        );
        process.exitCode = 1;
    },
);
