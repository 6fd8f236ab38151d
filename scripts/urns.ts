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
 * `tests/urns/<stack>.txt`, the list the URN test holds each plan to. Run it when resources are
 * added, or removed on purpose; review the diff of the lists like any other change.
 */

const PROJECT_DIR = path.resolve(__dirname, "..");

/** The committed URN list of a stack. */
export function urnListFile(stack: string): string {
    return path.join(PROJECT_DIR, "tests", "urns", `${stack}.txt`);
}

/** Plans every stack of the project and writes its URN list; one line a list, for the terminal. */
export async function updateUrnLists(projectDir = PROJECT_DIR): Promise<string[]> {
    const lines: string[] = [];
    for (const stack of shippedStacks(projectDir)) {
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
