import * as fs from "node:fs";
import * as path from "node:path";
import { buildPlan } from "../plan/plan";
import { listStacks } from "../plan/stackConfig";
import { planUrns } from "../plan/urns";
import { program } from "../program";

/**
 * `npm run urns:update`: plans every shipped stack and writes its URNs, sorted, one a line, to
 * `tests/urns/<stack>.txt`, the list the URN test holds each plan to (and removes the list of a
 * stack that is gone). Run it when resources are added, or removed on purpose; review the diff of
 * the lists like any other change.
 */

const PROJECT_DIR = path.resolve(__dirname, "..");

/** The committed URN list of a stack. */
export function urnListFile(stack: string): string {
    return path.join(PROJECT_DIR, "tests", "urns", `${stack}.txt`);
}

async function main(): Promise<void> {
    const stacks = listStacks(PROJECT_DIR);
    // The list of a stack whose file is gone goes with it.
    const dir = path.dirname(urnListFile("stack"));
    for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
        const stack = /^(.+)\.txt$/.exec(f)?.[1];
        if (stack !== undefined && !stacks.includes(stack)) {
            fs.rmSync(path.join(dir, f));
            process.stdout.write(
                `${path.relative(PROJECT_DIR, path.join(dir, f))}: removed (no Pulumi.${stack}.yaml)\n`,
            );
        }
    }
    for (const stack of stacks) {
        const doc = await buildPlan(program, { projectDir: PROJECT_DIR, stack, currentUser: "jane.doe@example.com" });
        const file = urnListFile(stack);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, `${planUrns(doc).join("\n")}\n`);
        process.stdout.write(`${path.relative(PROJECT_DIR, file)}: ${planUrns(doc).length} URNs\n`);
    }
}

if (require.main === module) {
    main().catch((err: unknown) => {
        process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exit(1);
    });
}
