/**
 * What a provider's Read gives back instead of what was sent, and which differences its diff
 * ignores, per resource type and input path, from the generated table `plan/readback-rules.json`
 * (scripts/gen-readback-rules.ts, docs/reviewing-changes.md "A second up is quiet"). Paths are
 * dotted camelCase Pulumi input names with list indices removed (`tasks.dependsOns`).
 */
import table from "./readback-rules.json";

export type ReadbackKind =
    /** Read returns the value as sent. */
    | "asSent"
    /** Read returns the list sorted by `key` (ascending, byte order, as Go's `cmp.Compare` on strings). */
    | "sorted"
    /** A TF set: the order of the list never shows as a difference. */
    | "set"
    /** Computed: when the config leaves it out, the diff keeps what the API returned. */
    | "computed"
    /** `suppress_diff`: an empty config value does not differ from what the API returned. */
    | "suppressDiff"
    /** The provider's schema default: a config that leaves it out plans `value`. */
    | "default"
    /** An empty config value does not differ from `value` returned by the API. */
    | "suppressDiffWithDefault"
    /** The diff ignores differences of case (`common.EqualFoldDiffSuppress`). */
    | "caseInsensitive"
    /** The diff ignores a trailing `/`. */
    | "trailingSlash"
    /** The diff ignores a `/Workspace` prefix (and an empty config value). */
    | "workspacePrefix"
    /** The diff ignores leading and trailing white space. */
    | "whitespace"
    /** A diff-suppress function the table does not model (named in `function`). */
    | "customSuppress"
    /** Read returns the value lower-cased (the API stores it so). */
    | "lowercased"
    /** The API fills `value` when the config leaves the path out, and the provider does not keep it quiet. */
    | "apiDefault"
    /**
     * An update cannot change it: the update request leaves it out, or the provider copies it from
     * the old state. A changed value stays as it was, and every later preview shows the change again.
     */
    | "notUpdated";

export interface ReadbackRule {
    kind: ReadbackKind;
    /** `sorted`: the element property the list is sorted by. */
    key?: string;
    /** `default`, `suppressDiffWithDefault`, `apiDefault`: the value (as the provider source spells it). */
    value?: string;
    /** The provider function the rule comes from (a sort, a suppress function). */
    function?: string;
    /** Where in the provider the rule comes from (package and function), or the citation of a hand-written one. */
    source: string;
    /** Written by hand (what the provider source cannot tell), with `source` citing where it is documented. */
    handWritten?: true;
}

export interface TypeReadbackRules {
    upstream?: { resource: string; files: string[] };
    /** Every input path the covered stacks set (and hand-written ones), with its rules. */
    paths: Record<string, ReadbackRule[]>;
}

const resources = table.resources as unknown as Record<string, TypeReadbackRules>;

/** Where the rules came from, per provider package. */
export const READBACK_RULES_SOURCES: Record<string, Record<string, string | undefined>> = table.sources;

/** The read-back rules of a custom resource type; undefined for providers, components and unknown types. */
export function readbackRulesFor(type: string): TypeReadbackRules | undefined {
    return Object.prototype.hasOwnProperty.call(resources, type) ? resources[type] : undefined;
}

/** A rule's name as the output shows it: kind, key or value, and where it comes from. */
export function ruleName(type: string, path: string, rule: ReadbackRule): string {
    const detail =
        rule.kind === "sorted"
            ? ` by ${rule.key}`
            : rule.value !== undefined
              ? ` ${JSON.stringify(rule.value)}`
              : rule.function
                ? ` (${rule.function})`
                : "";
    const resource = type.split(":").pop() ?? type;
    return `${resource} ${path}: ${rule.kind}${detail}, ${rule.handWritten ? "hand-written: " : ""}${rule.source}`;
}

/**
 * Whether an update of a resource of this type leaves the value at this input path (dotted, list
 * indices removed) as it was: the path or one of its ancestors is marked `notUpdated`.
 */
export function notUpdatedRule(type: string, path: string): ReadbackRule | undefined {
    const paths = readbackRulesFor(type)?.paths ?? {};
    for (let p = path; p; p = p.includes(".") ? p.slice(0, p.lastIndexOf(".")) : "") {
        const rule = (paths[p] ?? []).find((r) => r.kind === "notUpdated");
        if (rule) return rule;
    }
    return undefined;
}
