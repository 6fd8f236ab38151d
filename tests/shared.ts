import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "./harness";

/**
 * A path under `../shared` (the folder beside the checkout that CI provides: real bundles,
 * provider schemas, engine records). For a git worktree, beside the main checkout too; the
 * program itself never reads it. Undefined-safe: tests check `fs.existsSync` and skip, saying so.
 */
export function sharedPath(...segments: string[]): string {
    const candidates = [path.resolve(PROJECT_DIR, "..", "shared")];
    const common = spawnSync("git", ["rev-parse", "--path-format=absolute", "--git-common-dir"], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
    });
    if (common.status === 0) candidates.push(path.resolve(common.stdout.trim(), "..", "..", "shared"));
    const found = candidates.find((c) => fs.existsSync(c)) ?? candidates[0];
    return path.join(found, ...segments);
}
