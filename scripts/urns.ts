import * as fs from "node:fs";
import * as path from "node:path";
import { buildPlan } from "../plan/plan";
import { ConfigError } from "../config/load";
import { PlanInputError, shippedStacks } from "../plan/stackConfig";
import { runMain } from "../plan/usage";
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

/** Plans every stack of the project and writes its URN list; one line a list, for the terminal. */
export async function updateUrnLists(projectDir = PROJECT_DIR): Promise<string[]> {
    const lines: string[] = [];
    const stacks = shippedStacks(projectDir);
    // The list of a stack whose file is gone goes with it.
    const dir = path.dirname(urnListFile("stack"));
    for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
        const stack = /^(.+)\.txt$/.exec(f)?.[1];
        if (stack !== undefined && !stacks.includes(stack)) {
            fs.rmSync(path.join(dir, f));
            lines.push(`${path.relative(PROJECT_DIR, path.join(dir, f))}: removed (no Pulumi.${stack}.yaml)`);
        }
    }
    for (const stack of stacks) {
        const doc = await buildPlan(program, { projectDir, stack, currentUser: "jane.doe@example.com" });
        const file = urnListFile(stack);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, `${planUrns(doc).join("\n")}\n`);
        lines.push(`${path.relative(PROJECT_DIR, file)}: ${planUrns(doc).length} URNs`);
    }
    return lines;
}

if (require.main === module) {
    runMain(
        async () => {
            for (const line of await updateUrnLists()) process.stdout.write(`${line}\n`);
            return 0;
        },
        (err) => err instanceof PlanInputError || err instanceof ConfigError,
        "the URN update failed unexpectedly",
    );
}
