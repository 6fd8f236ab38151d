import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts"],
        // Pulumi's runtime state (mocks, config) is per process: one test file per worker, in turn.
        pool: "forks",
        fileParallelism: false,
        testTimeout: 30_000,
    },
});
