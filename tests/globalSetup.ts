import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * One temporary folder per test run, removed when the run ends: every folder a test or a command
 * it spawns makes with `os.tmpdir()` (tests/harness.ts `tempProject`, `mlops-base-*` worktrees,
 * saved plans) goes inside it, through TMPDIR, which the test processes inherit. Another run's
 * folders, side by side on the same machine, are not touched.
 */
export default function setup(): () => void {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-test-run-"));
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = root;
    return () => {
        if (previous === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = previous;
        fs.rmSync(root, { recursive: true, force: true });
    };
}
