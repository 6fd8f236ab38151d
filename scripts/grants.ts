import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { forOfflinePlan } from "../declarationStacks";
import { grantProblems, planEveryStack } from "../plan/grants";

/**
 * `npm run check:grants`: plans every stack of the project offline and reports each Unity
 * Catalog securable whose grants more than one resource (or stack) writes, and each deploy-model
 * promotion whose source stack does not grant it (see docs/model-lifecycle.md). Exit 1 when
 * there is any.
 */

async function main(argv: string[]): Promise<number> {
    const cli = new Command()
        .name("check:grants")
        .description("Check that each Unity Catalog securable's grants have one writer across the project's stacks.")
        .option("--project-dir <dir>", "folder holding Pulumi.yaml and the stack files", path.resolve(__dirname, ".."))
        .showHelpAfterError();
    cli.parse(argv);
    const projectDir = path.resolve(cli.opts<{ projectDir: string }>().projectDir);
    if (!fs.existsSync(path.join(projectDir, "Pulumi.yaml"))) {
        process.stderr.write(
            `error: --project-dir: expected a folder holding Pulumi.yaml, found none in ${projectDir}\n`,
        );
        return 2;
    }
    forOfflinePlan();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const entry = require("../index") as () => Promise<Record<string, unknown>>;
    const plans = await planEveryStack(entry, projectDir);
    const problems = grantProblems(plans);
    const stacks = Object.keys(plans).join(", ");
    if (problems.length === 0) {
        process.stdout.write(`one writer per grant across ${stacks}; every promotion is granted by its source\n`);
        return 0;
    }
    process.stdout.write(`${problems.map((p) => `error: ${p}`).join("\n")}\n`);
    return 1;
}

main(process.argv).then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        // A stack the program refuses (bad config) is reported as the plan reports it.
        const message = err instanceof Error ? err.message : String(err);
        const known = err instanceof Error && (err.name === "ConfigError" || err.name === "PlanInputError");
        process.stderr.write(`error: ${known ? message : ((err as Error).stack ?? message)}\n`);
        process.exitCode = known ? 2 : 1;
    },
);
