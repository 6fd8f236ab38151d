import { ConfigError, settingsFromConfig } from "../config/load";
import { readStackConfig } from "./stackConfig";

/**
 * The problems the program would report for a stack of a project folder, read as `pulumi up`
 * reads it (Pulumi.yaml, shared.yaml, Pulumi.<stack>.yaml); none when the config is valid.
 */
export function configProblems(projectDir: string, stack: string): string[] {
    const c = readStackConfig(projectDir, stack);
    try {
        settingsFromConfig({
            namespace: c.project,
            stack,
            config: c.config,
            isSecret: (k) => c.secretKeys.includes(k),
            projectDir,
        });
        return [];
    } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
    }
}
