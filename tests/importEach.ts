import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { importBundle } from "../bundle/cli";

/**
 * Imports each bundle folder named on the command line, one after the other, and prints one JSON
 * line per bundle before it starts (`{start}`) and once it is done (`{dir, exitCode, error, ms}`,
 * or `{dir, crash}` for an exception the import does not turn into exit 2). Run as a process of
 * its own by tests/importRealBundles.test.ts: an import stuck in a synchronous loop (a regular
 * expression backtracking without end) blocks the event loop, so only a process the test can
 * kill bounds it; the last `start` line names the bundle that hung.
 */
async function main(dirs: string[]): Promise<void> {
    for (const dir of dirs) {
        process.stdout.write(`${JSON.stringify({ start: dir })}\n`);
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-import-each-"));
        const t0 = Date.now();
        try {
            const o = await importBundle({ bundleDir: dir, out, states: {}, user: "jane.doe@example.com" });
            process.stdout.write(
                `${JSON.stringify({ dir, exitCode: o.exitCode, error: o.error, ms: Date.now() - t0 })}\n`,
            );
        } catch (err) {
            process.stdout.write(`${JSON.stringify({ dir, crash: (err as Error).stack ?? String(err) })}\n`);
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    }
}

void main(process.argv.slice(2));
