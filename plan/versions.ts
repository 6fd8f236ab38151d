import { settingsFromConfig } from "../config/load";
import { DEFAULT_ALIASES } from "./routeVersions";
import type { StackConfig } from "./stackConfig";

/**
 * The model versions and aliases the mocked workspace has unless the plan is told otherwise.
 * Without the SDK: `plan --base` reads them before it starts the base's plan, so that the base
 * does not wait for this process to load the SDK (plan/cli.ts).
 */

export { DEFAULT_ALIASES } from "./routeVersions";

/** The stack's effective settings (shared file, stack config, overrides); throws where the program would refuse them. */
export function effectiveSettings(stackConfig: StackConfig, projectDir: string): ReturnType<typeof settingsFromConfig> {
    return settingsFromConfig({
        namespace: stackConfig.project,
        stack: stackConfig.stack,
        config: stackConfig.config,
        isSecret: (k) => stackConfig.secretKeys.includes(k),
        projectDir,
    });
}

/**
 * The versions the stack serves, so that by default the plan shows a deploy after training. Read
 * from the effective settings (shared file, stack config, overrides); config the program would
 * refuse gives no versions here, and the program's own run reports it.
 */
export function configuredVersions(stackConfig: StackConfig, projectDir: string): string[] {
    try {
        const settings = effectiveSettings(stackConfig, projectDir);
        const versions = settings.projects.flatMap((p) =>
            p.serving.routes.map((r) => r.version).filter((v): v is string => v !== undefined),
        );
        return [...new Set(versions)].sort();
    } catch {
        return ["1"];
    }
}

/**
 * The versions the mocked workspace's models have unless the plan is told otherwise: those the
 * stack serves and those its aliases point at, so that by default the plan shows a deploy after
 * training.
 */
export function defaultModelVersions(
    stackConfig: StackConfig,
    projectDir: string,
    aliases: Record<string, string> = DEFAULT_ALIASES,
): string[] {
    return [...new Set([...configuredVersions(stackConfig, projectDir), ...Object.values(aliases)])].sort();
}
