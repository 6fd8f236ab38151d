import { describe, expect, it } from "vitest";
import {
    devNamePrefix,
    maxConcurrentRunsFor,
    normalizePrefix,
    pauseStatusFor,
    prefixLastSegment,
    presetTags,
    resolvePathVariables,
    shortUserName,
} from "../components/presets";

describe("development-mode presets (databricks/cli apply_target_mode.go, apply_presets.go)", () => {
    it.each([
        ["jane.doe@example.com", "jane_doe"],
        ["Lennart@databricks.com", "lennart"],
        ["8d23ae77-912e-4a19-81e4-b9c3f5cc9349", "8d23ae77_912e_4a19_81e4_b9c3f5cc9349"],
    ])("short name of %s is %s", (user, short) => {
        expect(shortUserName(user)).toBe(short);
    });

    it.each([
        ["[dev jane_doe] ", "dev_jane_doe_"],
        ["[dev lennart] ", "dev_lennart_"],
        ["[dev A.B] ", "dev_a_b_"],
        ["prefix-", "prefix"],
    ])("normalizes the prefix %j to %j", (prefix, normalized) => {
        expect(normalizePrefix(prefix)).toBe(normalized);
    });

    it("prefixes only the last segment of an experiment path", () => {
        expect(prefixLastSegment("/Users/j@x.com/ml-project", devNamePrefix("j"))).toBe(
            "/Users/j@x.com/[dev j] ml-project",
        );
        expect(prefixLastSegment("ml-project", "[dev j] ")).toBe("[dev j] ml-project");
    });

    it("resolves the current-user variables", () => {
        expect(
            resolvePathVariables("/Users/${workspace.current_user.userName}/${workspace.current_user.short_name}", {
                userName: "j@x.com",
                shortName: "j",
            }),
        ).toBe("/Users/j@x.com/j");
    });

    it.each([
        ["development", undefined, "PAUSED"],
        ["development", "UNPAUSED", "UNPAUSED"],
        ["production", undefined, "UNPAUSED"],
        ["production", "PAUSED", "PAUSED"],
    ] as const)("%s mode with %s configured pauses as %s", (mode, configured, expected) => {
        expect(pauseStatusFor(mode, configured)).toBe(expected);
    });

    it("allows 4 concurrent runs in development only", () => {
        expect(maxConcurrentRunsFor("development")).toBe(4);
        expect(maxConcurrentRunsFor("production")).toBeUndefined();
    });

    it("adds the dev tag unless configured, and only in development", () => {
        expect(presetTags("development", "j", { a: "1" })).toEqual({ a: "1", dev: "j" });
        expect(presetTags("development", "j", { dev: "team" })).toEqual({ dev: "team" });
        expect(presetTags("production", "j", { a: "1" })).toEqual({ a: "1" });
    });
});
