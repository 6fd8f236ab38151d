/**
 * Which input changes make a provider replace a resource, from the generated table
 * `plan/replace-rules.json` (see scripts/gen-replace-rules.ts and README "Replacement rules").
 * Paths are dotted camelCase Pulumi input names with list indices removed (`tasks.taskKey`).
 */
import table from "./replace-rules.json";

export interface ReplaceRules {
    /** Every input path of the type, as the installed SDK declares it. */
    properties: string[];
    /** The paths whose change forces a replacement (a change below one does too). */
    replaceOnChanges: string[];
    /** Free-form map inputs (`tags`, `sparkConf`): their keys are values, not properties. */
    maps?: string[];
    /** Paths the provider replaces on only under a condition it decides at plan time. */
    conditionalReplaceOnChanges?: string[];
}

interface Source {
    package: string;
    packageVersion: string;
    upstream: string;
    upstreamVersion: string;
    commit?: string;
}

const resources = table.resources as Record<string, ReplaceRules>;

/** Where the rules came from, per provider package. */
export const REPLACE_RULES_SOURCES: Record<string, Source> = table.sources;

/** The rules of a custom resource type; undefined for providers, components and unknown types. */
export function replaceRulesFor(type: string): ReplaceRules | undefined {
    return Object.prototype.hasOwnProperty.call(resources, type) ? resources[type] : undefined;
}

/** Whether a change at `path` replaces a resource of `type` (the path or one of its ancestors is listed). */
export function forcesReplacement(type: string, path: string): boolean {
    const rules = replaceRulesFor(type);
    if (!rules) return false;
    return rules.replaceOnChanges.some((p) => path === p || path.startsWith(`${p}.`));
}
