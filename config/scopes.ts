import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import { type Scope, type Settings, settingsSchema } from "./schema";

/**
 * Which settings are promotable and which are environment-scoped, read from the marks on the
 * config schema. A path is a list of keys; inside `projects` the project is named by its `name`
 * (a project's place in the list says nothing), as `projects.<name>.<key>...`.
 */

/** A schema's scope mark, looking through the optional, default and pipe wrappers. */
export function scopeOf(schema: z.core.$ZodType): Scope | undefined {
    let s: z.core.$ZodType | undefined = schema;
    while (s) {
        const meta = z.globalRegistry.get(s) as { scope?: Scope } | undefined;
        if (meta?.scope) return meta.scope;
        const def = s._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
        if (def.type === "optional" || def.type === "default" || def.type === "nullable") s = def.innerType;
        else if (def.type === "pipe") s = def.in;
        else return undefined;
    }
    return undefined;
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
    let s = schema;
    for (;;) {
        const def = s._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
        if ((def.type === "optional" || def.type === "default" || def.type === "nullable") && def.innerType)
            s = def.innerType;
        else if (def.type === "pipe" && def.in) s = def.in;
        else return s;
    }
}

/** One scoped setting: its path under the stack (`["sparkVersion"]`) or a project (`["inference", "cron"]`). */
export interface ScopedSetting {
    path: string[];
    scope: Scope;
}

/**
 * The scoped settings of an object schema: each field with a mark is one setting (its whole
 * value); an unmarked object field is walked into. An unmarked leaf is an error in the schema,
 * which the tests catch.
 */
export function scopedSettings(
    schema: z.core.$ZodType,
    prefix: string[] = [],
): (ScopedSetting | { path: string[]; scope: undefined })[] {
    const inner = unwrap(schema);
    const def = inner._zod.def as { type: string; shape?: Record<string, z.core.$ZodType> };
    if (def.type !== "object" || !def.shape) return [{ path: prefix, scope: undefined }];
    return Object.entries(def.shape).flatMap(([key, field]) => {
        const scope = scopeOf(field);
        if (scope) return [{ path: [...prefix, key], scope }];
        return scopedSettings(field, [...prefix, key]);
    });
}

const projectsDef: unknown = unwrap((settingsSchema.shape as Record<string, z.core.$ZodType>).projects)._zod.def;
const projectSchema = unwrap((projectsDef as { element: z.core.$ZodType }).element);

/** The stack-level settings (everything but `projects`) and the per-project settings, with their scopes. */
export const STACK_SETTINGS = scopedSettings(settingsSchema).filter((s) => s.path[0] !== "projects");
export const PROJECT_SETTINGS = scopedSettings(projectSchema);

/** A promotable setting whose effective value differs between two stacks. */
export interface Difference {
    /** The project it belongs to; `undefined` for a stack-level setting. */
    project?: string;
    path: string[];
    /** The target's value now. */
    before: unknown;
    /** The source's value: the target's after the promotion. */
    after: unknown;
}

function valueAt(value: unknown, path: string[]): unknown {
    return path.reduce<unknown>(
        (v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined),
        value,
    );
}

/**
 * The promotable settings whose effective values differ from `source` to `target`: what
 * `npm run promote` would copy. Projects match by name; a project only one side has is not a
 * setting to promote.
 */
export function promotableDifferences(source: Settings, target: Settings): Difference[] {
    const out: Difference[] = [];
    for (const { path, scope } of STACK_SETTINGS) {
        if (scope !== "promotable") continue;
        const [after, before] = [valueAt(source, path), valueAt(target, path)];
        if (!isDeepStrictEqual(after, before)) out.push({ path, before, after });
    }
    for (const sp of source.projects) {
        const tp = target.projects.find((p) => p.name === sp.name);
        if (!tp) continue;
        for (const { path, scope } of PROJECT_SETTINGS) {
            if (scope !== "promotable") continue;
            const [after, before] = [valueAt(sp, path), valueAt(tp, path)];
            if (!isDeepStrictEqual(after, before)) out.push({ project: sp.name, path, before, after });
        }
    }
    return out;
}
