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
    ucNameFor,
} from "../components/presets";
import { quartzCronProblem } from "../config/quartz";

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

describe("Unity Catalog names by mode", () => {
    it.each([
        ["development", "jane_doe", "ml_data", "dev_jane_doe_ml_data"],
        ["development", "a_b", "ml_model_dev", "dev_a_b_ml_model_dev"],
        ["production", "jane_doe", "ml_data", "ml_data"],
    ] as const)("in %s mode, %s's %s is %s", (mode, short, name, expected) => {
        expect(ucNameFor(mode, short, name)).toBe(expected);
    });
});

describe("Quartz cron expressions", () => {
    it.each([
        "0 0 * * * ?",
        "0 15 * * * ?",
        "0 0 6 * * ?",
        "0 0/5 14,18 * * ?",
        "0 15 10 ? * MON-FRI",
        "0 15 10 L * ?",
        "0 15 10 L-2 * ?",
        "0 15 10 15W * ?",
        "0 15 10 ? * 6L",
        "0 15 10 ? * 6#3",
        "0 0 12 1/5 JAN-DEC ? 2030",
        "*/30 * * ? * *",
    ])("accepts %j", (expression) => {
        expect(quartzCronProblem(expression)).toBeUndefined();
    });

    it.each([
        ["0 0 * * *", "6 or 7 fields"],
        ["60 0 * * * ?", "seconds field (values 0-59), found '60'"],
        ["0 0 25 * * ?", "hours field (values 0-23), found '25'"],
        ["0 0 0 32 * ?", "day-of-month field (values 1-31), found '32'"],
        ["0 0 0 ? 13 *", "month field (values 1-12 or JAN-DEC), found '13'"],
        ["0 0 0 ? * 0", "day-of-week field (values 1-7 or SUN-SAT), found '0'"],
        ["0 0 0 ? * MON#6", "a week 1-5 after '#'"],
        ["0 0/0 * * * ?", "an increment 1-59 after '/'"],
        ["0 0 ? * * ?", "'?' only stands in day-of-month or day-of-week"],
        ["0 0 6 * * *", "'?' in exactly one of the day-of-month and day-of-week fields"],
        ["0 0 6 ? * ?", "'?' in exactly one of the day-of-month and day-of-week fields"],
        ["0 0 6 * * ? 1969", "year field (values 1970-2099)"],
    ])("refuses %j: %s", (expression, problem) => {
        expect(quartzCronProblem(expression)).toContain(problem);
    });
});
