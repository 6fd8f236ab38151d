import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { listStacks } from "../plan/stackConfig";
import { FIXTURE_DIR } from "./harness";

export type Yaml = Record<string, any>;

/**
 * A copy of a project's Pulumi.yaml, shared.yaml and stack files (by default the fixture
 * project's, never the user's stacks), each parsed, edited and written back, in a temporary
 * folder (removed with the test run's, see globalSetup.ts); `shared: null` leaves the shared
 * file out.
 */
export function scratch(
    edit: { shared?: ((s: Yaml) => void) | null; stacks?: Record<string, (config: Yaml) => void> } = {},
    from = FIXTURE_DIR,
): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-scratch-"));
    fs.copyFileSync(path.join(from, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    if (edit.shared !== null) {
        const shared = parse(fs.readFileSync(path.join(from, "shared.yaml"), "utf8")) as Yaml;
        edit.shared?.(shared);
        fs.writeFileSync(path.join(dir, "shared.yaml"), stringify(shared));
    }
    for (const stack of listStacks(from)) {
        const file = `Pulumi.${stack}.yaml`;
        const doc = parse(fs.readFileSync(path.join(from, file), "utf8")) as { config: Yaml };
        edit.stacks?.[stack]?.(doc.config);
        fs.writeFileSync(path.join(dir, file), stringify(doc));
    }
    return dir;
}
