import { describe, expect, it } from "vitest";
import { FIXTURE_DIR, freshPlan } from "./harness";

/** The azure-native modules loaded so far, relative to the package. */
function azureModules(): string[] {
    const marker = "/node_modules/@pulumi/azure-native/";
    return Object.keys(require.cache)
        .filter((file) => file.includes(marker))
        .map((file) => file.slice(file.indexOf(marker) + marker.length));
}

describe("modules the program loads", () => {
    it("loads no azure-native module for a stack with an existing workspace, and four submodules for a created one", async () => {
        // Planned here, in this process (never a plan another test file made).
        await freshPlan(FIXTURE_DIR, "dev");
        await freshPlan(FIXTURE_DIR, "prod");
        expect(azureModules()).toEqual([]);

        await freshPlan(FIXTURE_DIR, "azure-dev");
        const loaded = azureModules();
        expect(loaded).not.toContain("index.js"); // the package root, with its ~270 submodules
        expect(new Set(loaded.map((file) => file.split("/")[0]))).toEqual(
            new Set(["authorization", "databricks", "resources", "storage", "types", "utilities.js", "package.json"]),
        );
    });
});
