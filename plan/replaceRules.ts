import rules from "./replace-rules.json";

/**
 * Which input properties force a replacement when they change, per resource type: a table
 * generated from the providers' own sources (see `scripts/gen-replace-rules.ts`).
 */

interface TypeRules {
    /** Every input property path of the type (dotted, camelCase, lists transparent). */
    properties: string[];
    /** The paths whose change forces a replacement. */
    replaceOnChanges: string[];
}

const table = rules as unknown as { sources: Record<string, unknown>; resources: Record<string, TypeRules> };

/** Where the rules came from: packages, upstream sources and versions. */
export const REPLACE_RULES_SOURCES = table.sources;

/** The rules of a resource type; `undefined` for types the table does not know. */
export function replaceRulesFor(type: string): TypeRules | undefined {
    return table.resources[type];
}

/**
 * Whether a change at `path` (dotted, camelCase, list indices removed) forces a replacement:
 * the path, one of its parents or one of its children is replace-on-change.
 */
export function forcesReplacement(type: string, path: string): boolean {
    const replaceOn = table.resources[type]?.replaceOnChanges ?? [];
    return replaceOn.some((r) => r === path || path.startsWith(`${r}.`) || r.startsWith(`${path}.`));
}
