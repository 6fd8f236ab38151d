import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../config/load";
import { routeVersions } from "../plan/routeVersions";
import { readStackConfig } from "../plan/stackConfig";
import { defaultModelVersions } from "../plan/versions";
import { FIXTURE_DIR, PROCESS_TEST_TIMEOUT, PROJECT_DIR, tempDir } from "./harness";

const run = promisify(execFile);

/**
 * Preloaded into the command's process (not its children): writes `base` when the process starts
 * the base's work (its checkout, or an older base's plan CLI), `sdk` when it first loads `@pulumi/pulumi` and `zod` when it first loads
 * the config schema's library, in the order they happen.
 */
const HOOK = `
const Module = require("node:module");
const cp = require("node:child_process");
const fs = require("node:fs");
const log = (event) => fs.appendFileSync(process.env.ORDER_LOG, event + "\\n");
const load = Module._load;
const seen = new Set();
Module._load = function (request, ...rest) {
    const name = request === "@pulumi/pulumi" ? "sdk" : request === "zod" ? "zod" : undefined;
    if (name && !seen.has(name)) { seen.add(name); log(name); }
    return load.call(this, request, ...rest);
};
const spawn = cp.spawn;
cp.spawn = function (command, args, ...rest) {
    // The base's checkout (or, for an older base, its plan) starts in a Node process of its own.
    if (command === process.execPath) log("base");
    return spawn.call(this, command, args, ...rest);
};
`;

describe("npm run plan -- --base <git ref>, as a process", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    // As npm runs it (plan/launch.cjs: the bundle, where zod is inside and is not required), and
    // from the sources (where it is).
    it.each([
        ["as npm runs it", {}, ["base", "sdk"]],
        ["from its sources", { MLOPS_PLAN_FROM_SOURCE: "1" }, ["base", "sdk", "zod"]],
    ])(
        "%s: starts the base's plan before it loads the SDK or the config schema, so the two plans overlap from the start",
        async (_, env, expected) => {
            const dir = tempDir("mlops-order-");
            const hook = path.join(dir, "hook.cjs");
            const order = path.join(dir, "order.log");
            fs.writeFileSync(hook, HOOK);
            const args = ["--stack", "dev", "--project-dir", FIXTURE_DIR, "--base", "HEAD", "--json"];
            await run(
                process.execPath,
                ["--require", hook, "plan/launch.cjs", ...args, "--out", path.join(dir, "diff.json")],
                { cwd: PROJECT_DIR, env: { ...process.env, ...env, ORDER_LOG: order, NO_COLOR: "1" } },
            );
            const events = fs.readFileSync(order, "utf8").split("\n").filter(Boolean);
            expect(events[0]).toBe("base");
            expect([...events].sort()).toEqual(expected);
            const diff = JSON.parse(fs.readFileSync(path.join(dir, "diff.json"), "utf8")) as { steps: unknown[] };
            expect(diff.steps.length).toBeGreaterThan(30);
        },
    );
});

describe("a configuration error, defined without loading the SDK", () => {
    it("is a RunError to the engine, which prints its message without a stack trace", () => {
        expect(pulumi.RunError.isInstance(new ConfigError("invalid stack configuration", []))).toBe(true);
    });
});

describe("the versions both sides of --base see", () => {
    it.each(["dev", "staging", "prod"])(
        "%s: every version the stack serves or its aliases name, read without the config schema",
        (stack) => {
            const config = readStackConfig(FIXTURE_DIR, stack);
            const exact = defaultModelVersions(config, FIXTURE_DIR);
            const quick = routeVersions(config, FIXTURE_DIR);
            expect(quick.filter((v) => !exact.includes(v))).toEqual([]);
            expect(exact.filter((v) => !quick.includes(v))).toEqual([]);
        },
    );
});
