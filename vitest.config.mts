import * as os from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts"],
        // The run's scratch folder and shared plans (see tests/globalSetup.ts).
        globalSetup: ["tests/globalSetup.ts"],
        // Pulumi's runtime state (mocks, config) is per process: each test file runs in a process
        // of its own (forks, isolated), so files may run side by side: one per core (vitest's
        // default leaves one core idle).
        pool: "forks",
        isolate: true,
        maxWorkers: os.availableParallelism(),
        testTimeout: 30_000,
    },
});
