import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { SHARED_FILE } from "../config/stackNames";
import type { StackConfig } from "./stackConfig";

/** Without the config schema: `plan --base` reads these before it starts the base (plan/cli.ts). */

/**
 * The aliases the mocked workspace's models have unless the plan is told otherwise: an
 * evaluation has promoted version 1 to `champion` and version 2 is the `challenger`.
 */
export const DEFAULT_ALIASES: Record<string, string> = { champion: "1", challenger: "2" };

/**
 * The versions `plan --base` gives both sides' mocked workspace, without the config schema (so
 * that the base's plan starts before this process loads it): every version a serving route names
 * anywhere in the stack's config and the shared file (its projects, a stack's own list, its
 * overrides), and those the aliases point at. A superset of `defaultModelVersions`: a workspace
 * with a version more serves the same routes.
 */
export function routeVersions(
    stackConfig: StackConfig,
    projectDir: string,
    aliases: Record<string, string> = DEFAULT_ALIASES,
): string[] {
    const found = new Set<string>(Object.values(aliases));
    const walk = (value: unknown, inRoutes: boolean): void => {
        if (Array.isArray(value)) {
            for (const v of value) walk(v, inRoutes);
            return;
        }
        if (value === null || typeof value !== "object") return;
        const entries = Object.entries(value as Record<string, unknown>);
        for (const [k, v] of entries) {
            if (inRoutes && k === "version" && (typeof v === "string" || typeof v === "number")) found.add(String(v));
            walk(v, k === "routes");
        }
    };
    for (const value of Object.values(stackConfig.config)) {
        if (!/^[[{]/.test(value)) continue;
        try {
            walk(JSON.parse(value) as unknown, false);
        } catch {
            // not JSON: a scalar
        }
    }
    const shared = path.join(projectDir, SHARED_FILE);
    if (fs.existsSync(shared)) {
        try {
            walk(parseYaml(fs.readFileSync(shared, "utf8")) as unknown, false);
        } catch {
            // a shared file the program refuses: its own run reports it
        }
    }
    return [...found].sort();
}
