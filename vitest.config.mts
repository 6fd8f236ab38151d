import * as os from "node:os";
import { defineConfig } from "vitest/config";

/**
 * Test files that need a process of their own: they check what a process has loaded or patch the
 * SDK for the rest of the process. Every other file shares its worker's process (and so loads
 * the SDK once per worker, not once per file); a new test that sets global state for good (loaded
 * modules, SDK patches, environment) goes here.
 */
const ISOLATED = ["tests/load.test.ts", "tests/offlinePlan.test.ts", "tests/declarationStacks.test.ts"];

export default defineConfig({
    test: {
        // The run's scratch folder and shared plans (see tests/globalSetup.ts).
        globalSetup: ["tests/globalSetup.ts"],
        // Pulumi's runtime state (mocks, config) is per process: test files run in processes of
        // their own (forks), one per core (vitest's default leaves one core idle); a plan sets the
        // mocks and config it runs under (plan/plan.ts), so files may follow each other in one.
        pool: "forks",
        maxWorkers: os.availableParallelism(),
        testTimeout: 30_000,
        projects: [
            {
                extends: true,
                test: { name: "shared", include: ["tests/**/*.test.ts"], exclude: ISOLATED, isolate: false },
            },
            { extends: true, test: { name: "isolated", include: ISOLATED, isolate: true } },
        ],
    },
});
