import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts"],
        // Pulumi's runtime state (mocks, config) is per process: each test file runs in a process
        // of its own (forks, isolated), so files may run side by side.
        pool: "forks",
        isolate: true,
        testTimeout: 30_000,
        // Every temporary folder of the run inside one, removed at the end (tests/globalSetup.ts).
        globalSetup: ["tests/globalSetup.ts"],
    },
});
