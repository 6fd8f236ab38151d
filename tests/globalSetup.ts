import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * Once per `vitest run`, before any test file: a scratch folder for the run, which every test
 * file's process finds through the environment (vitest starts them after this). It holds the
 * plans the tests share (tests/harness.ts: a plan made once per run, by whichever test needs it
 * first) and every folder a test or a command it spawns makes with `os.tmpdir()` (through
 * TMPDIR, which the test processes inherit: `tempProject`, `mlops-base-*` worktrees, saved
 * plans). It is removed when the run ends, so a run leaves nothing behind and never reads a plan
 * of an earlier run's program; another run's folders, side by side, are not touched.
 */
export default function setup(): () => void {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-test-run-"));
    const plans = path.join(root, "plans");
    fs.mkdirSync(plans);
    const previous = process.env.TMPDIR;
    process.env.MLOPS_TEST_TMP = root;
    process.env.MLOPS_TEST_PLANS = plans;
    process.env.TMPDIR = root;
    return () => {
        if (previous === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = previous;
        fs.rmSync(root, { recursive: true, force: true });
    };
}
