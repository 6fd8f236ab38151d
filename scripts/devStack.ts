import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { DEVELOPER_STACK, DEVELOPMENT_TEMPLATE_STACK } from "../config/deployChecks";

/**
 * `npm run dev-stack -- <name>`: writes `Pulumi.dev-<name>.yaml`, a developer's own
 * development-mode stack, from the development template `Pulumi.dev.yaml`, as mlops-stacks gives
 * each developer a development target of their own. Pulumi's `pulumi stack init dev-<name>`
 * then picks the file up. It works offline and with any backend (`pulumi stack init
 * --copy-config-from dev` needs a `dev` stack in the backend, which is never deployed). The
 * developers' files are not committed (`.gitignore`): no CI job deploys them.
 * Exit codes: 0 written; 2 bad usage (a bad name, an existing file, no template).
 */

/** A usage problem: printed alone, exit 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** Names that would make the stack read as production (`dev-prod`), to the policy pack too. */
const PRODUCTION_WORDS = /(^|-)(prod|production|prd|live|staging)(-|$)/;

/** The stack name of a developer's stack. */
export function devStackName(name: string): string {
    const stack = `dev-${name}`;
    if (!DEVELOPER_STACK.test(stack)) {
        throw new UsageError(
            `expected a name of lower case letters, digits and '-' (at most 30, starting with a letter or digit), such as "jane", found "${name}"`,
        );
    }
    if (PRODUCTION_WORDS.test(name)) {
        throw new UsageError(`expected a name that does not read as production or staging, found "${name}"`);
    }
    return stack;
}

/** Writes the developer's stack file from the template; returns its path. */
export function writeDevStack(projectDir: string, name: string): string {
    const stack = devStackName(name);
    const template = path.join(projectDir, `Pulumi.${DEVELOPMENT_TEMPLATE_STACK}.yaml`);
    const target = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(template)) {
        throw new UsageError(`Pulumi.${DEVELOPMENT_TEMPLATE_STACK}.yaml: no such file (the development template)`);
    }
    if (fs.existsSync(target)) {
        throw new UsageError(
            `Pulumi.${stack}.yaml: already exists; remove the stack first (pulumi destroy -s ${stack} && pulumi stack rm ${stack})`,
        );
    }
    const header = [
        `# ${name}'s development stack, written by \`npm run dev-stack -- ${name}\` from Pulumi.${DEVELOPMENT_TEMPLATE_STACK}.yaml.`,
        `# Deployed by ${name} only (the names carry the deploying user), never by CI; not committed.`,
        `# Remove it with: pulumi destroy -s ${stack} && pulumi stack rm ${stack}`,
    ].join("\n");
    fs.writeFileSync(target, `${header}\n${fs.readFileSync(template, "utf8")}`, { flag: "wx" });
    return target;
}

function main(argv: string[]): number {
    const cli = new Command()
        .name("dev-stack")
        .description("Write Pulumi.dev-<name>.yaml, a developer's own development stack, from Pulumi.dev.yaml.")
        .argument("<name>", "the developer's name in the stack name, such as jane (dev-jane)")
        .option("--project-dir <dir>", "folder holding Pulumi.yaml", path.resolve(__dirname, ".."))
        .exitOverride()
        .configureOutput({ writeErr: (s) => process.stderr.write(s) })
        .showHelpAfterError();
    try {
        cli.parse(argv);
    } catch (err) {
        const code = (err as { exitCode?: number }).exitCode ?? 2;
        return code === 0 ? 0 : 2;
    }
    const [name] = cli.args;
    const { projectDir } = cli.opts<{ projectDir: string }>();
    try {
        const file = writeDevStack(path.resolve(projectDir), name);
        const stack = path.basename(file).replace(/^Pulumi\.|\.yaml$/g, "");
        process.stdout.write(
            `wrote ${path.basename(file)}\nnext: pulumi stack init ${stack}    # uses the file as it is\n      pulumi up -s ${stack}\n`,
        );
        return 0;
    } catch (err) {
        if (err instanceof UsageError) {
            process.stderr.write(`error: ${err.message}\n`);
            return 2;
        }
        throw err;
    }
}

if (require.main === module) {
    process.exitCode = main(process.argv);
}
