import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { BundleError, dynMerge, isRecord, type LoadedBundle } from "./load";

/**
 * One target of a bundle, as the Databricks CLI resolves it before it deploys: the target merged
 * into the root (bundle/config/root.go, MergeTargetOverrides), list items with the same key merged
 * (resourcemutator/merge_job_tasks.go and its siblings), the variables set
 * (mutator/set_variables.go) and every `${...}` reference the configuration can answer replaced
 * (mutator/resolve_variable_references.go). What only a workspace knows stays a reference: the
 * deploying user (this program resolves `${workspace.current_user.userName}` and `short_name`
 * itself), the values of `lookup` variables, the ids of deployed resources.
 */

/**
 * A reference, as the CLI's dynvar package matches it (libs/dyn/dynvar/ref.go:
 * `[a-zA-Z]+([-_]*[a-zA-Z0-9]+)*` per segment). The CLI's regexp engine (RE2) runs in linear
 * time; JavaScript's backtracks, and that pattern's nested repetition takes exponential time on
 * a segment it does not match (`${resources.volumes.v.volume_path}/in/` hung the import). The
 * same language, written so that every character has one way to match.
 */
const BASE = "[a-zA-Z][a-zA-Z0-9]*(?:[-_]+[a-zA-Z0-9]+)*";
export const REFERENCE = new RegExp(`\\$\\{(${BASE}(?:\\.${BASE}(?:\\[[0-9]+\\])*)*(?:\\[[0-9]+\\])*)\\}`, "g");

/**
 * How many rounds references are resolved in: the CLI's own bound
 * (mutator/resolve_variable_references.go, maxResolutionRounds), after which it warns that
 * references may remain.
 */
export const MAX_RESOLUTION_ROUNDS = 11;

/**
 * The longest string resolution may build. The CLI has no such bound (its comment on
 * maxResolutionRounds measures output growing exponentially with the rounds); a value that grows
 * past it is a reference that includes itself, reported as such instead of exhausting memory.
 */
export const MAX_RESOLVED_LENGTH = 64 * 1024;

/** The current-user references this program resolves at deploy time, as bundles do. */
export const USER_REFERENCES = ["workspace.current_user.userName", "workspace.current_user.short_name"];

/** A variable whose value comes from a lookup in the workspace. */
export interface LookupVariable {
    name: string;
    /** `cluster_policy`, `warehouse`, `service_principal`, ... */
    kind: string;
    /** The name looked up. */
    lookupName: string;
}

export interface ResolvedTarget {
    name: string;
    /** The target's `mode`, if any. */
    mode?: string;
    /** Whether the target is the bundle's default one. */
    isDefault: boolean;
    /** The configuration with the target merged in and the references resolved. */
    config: Record<string, unknown>;
    /** Lookup variables, unresolved, by name. */
    lookups: Map<string, LookupVariable>;
    /** References left unresolved (`resources.jobs.x.id`, a lookup), with where they appear. */
    unresolved: { path: string; reference: string }[];
    /** Values that look like a reference the CLI would not resolve (`${bundle.target == "dev"}`). */
    notReferences: { path: string; text: string }[];
    /** Where resolution stopped early (too deep, or a value that grows with each round). */
    warnings: { path: string; message: string }[];
}

/** Merges list items that share a key into the first of them (a target's `tasks` over the root's). */
function mergeByKey(list: unknown, key: string): unknown {
    if (!Array.isArray(list)) return list;
    const out: unknown[] = [];
    const at = new Map<string, number>();
    for (const item of list) {
        const k = isRecord(item) && typeof item[key] === "string" ? (item[key] as string) : undefined;
        if (k !== undefined && at.has(k)) {
            const i = at.get(k) as number;
            out[i] = dynMerge(out[i], item);
        } else {
            if (k !== undefined) at.set(k, out.length);
            out.push(item);
        }
    }
    return out;
}

/** The resource mergers the CLI runs after the target is merged. */
function mergeResourceLists(resources: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...resources };
    const each = (type: string, f: (r: Record<string, unknown>) => Record<string, unknown>) => {
        const byKey = out[type];
        if (!isRecord(byKey)) return;
        out[type] = Object.fromEntries(Object.entries(byKey).map(([k, r]) => [k, isRecord(r) ? f(r) : r]));
    };
    each("jobs", (j) => ({
        ...j,
        ...(j.tasks ? { tasks: mergeByKey(j.tasks, "task_key") } : {}),
        ...(j.job_clusters ? { job_clusters: mergeByKey(j.job_clusters, "job_cluster_key") } : {}),
        ...(j.parameters ? { parameters: mergeByKey(j.parameters, "name") } : {}),
    }));
    each("pipelines", (p) => ({ ...p, ...(p.clusters ? { clusters: mergeByKey(p.clusters, "label") } : {}) }));
    for (const type of Object.keys(out)) {
        each(type, (r) => (r.grants ? { ...r, grants: mergeByKey(r.grants, "principal") } : r));
    }
    return out;
}

/** The target to resolve when none is named: the one marked `default`, or the only one. */
export function targetNames(bundle: LoadedBundle): string[] {
    const targets = bundle.config.targets;
    if (targets === undefined || targets === null) return [];
    if (!isRecord(targets)) throw new BundleError(`${bundle.rootFile}: targets: expected a mapping of targets`);
    return Object.keys(targets);
}

/** The git details of the checkout holding `dir`, each empty where git says nothing. */
const gitCache = new Map<string, ReturnType<typeof readGitDetails>>();
function gitDetails(dir: string): ReturnType<typeof readGitDetails> {
    if (!gitCache.has(dir)) gitCache.set(dir, readGitDetails(dir));
    return gitCache.get(dir) as ReturnType<typeof readGitDetails>;
}

function readGitDetails(dir: string): { origin_url: string; branch: string; commit: string; actual_branch: string } {
    const git = (...args: string[]) => {
        const r = spawnSync("git", ["-C", dir, ...args], { encoding: "utf8", timeout: 5000 });
        return r.status === 0 ? r.stdout.trim() : "";
    };
    if (git("rev-parse", "--is-inside-work-tree") !== "true")
        return { origin_url: "", branch: "", commit: "", actual_branch: "" };
    const branch = git("rev-parse", "--abbrev-ref", "HEAD");
    return {
        origin_url: git("config", "--get", "remote.origin.url"),
        branch: branch === "HEAD" ? "" : branch,
        commit: git("rev-parse", "HEAD"),
        actual_branch: branch === "HEAD" ? "" : branch,
    };
}

/** Resolves one target of a loaded bundle. */
export function resolveTarget(bundle: LoadedBundle, name: string): ResolvedTarget {
    const rootConfig = bundle.config;
    const targets = isRecord(rootConfig.targets) ? rootConfig.targets : {};
    const target = targets[name];
    if (target !== undefined && target !== null && !isRecord(target)) {
        throw new BundleError(
            `${bundle.rootFile}: targets.${name}: expected a mapping, found ${JSON.stringify(target)}`,
        );
    }
    const t = (target ?? {}) as Record<string, unknown>;
    const config: Record<string, unknown> = { ...rootConfig };
    delete config.targets;
    for (const field of ["bundle", "workspace", "artifacts", "resources", "sync", "permissions", "presets"]) {
        if (t[field] !== undefined) config[field] = dynMerge(config[field], t[field]);
    }
    if (t.run_as !== undefined) config.run_as = t.run_as;
    config.bundle = { ...(config.bundle as Record<string, unknown>), target: name };
    // The git details the CLI reads from the bundle's checkout, unless the bundle sets them
    // (mutator/load_git_details.go); outside a checkout they are empty, and so are references to
    // them, as validate resolves them.
    const section = config.bundle as Record<string, unknown>;
    section.git = { ...gitDetails(bundle.dir), ...(isRecord(section.git) ? section.git : {}) };
    if (t.mode !== undefined) (config.bundle as Record<string, unknown>).mode = t.mode;
    if (t.cluster_id !== undefined) (config.bundle as Record<string, unknown>).cluster_id = t.cluster_id;
    if (t.compute_id !== undefined) (config.bundle as Record<string, unknown>).compute_id = t.compute_id;

    // Variables: a target's value replaces the default; a full definition replaces default or lookup.
    const variables: Record<string, Record<string, unknown>> = {};
    const defs = isRecord(config.variables) ? config.variables : {};
    for (const [v, def] of Object.entries(defs)) variables[v] = isRecord(def) ? { ...def } : { default: def };
    const overrides = isRecord(t.variables) ? t.variables : {};
    for (const [v, value] of Object.entries(overrides)) {
        if (!(v in variables)) {
            throw new BundleError(
                `${bundle.rootFile}: targets.${name}.variables.${v}: expected a variable declared in the top-level variables, found none named ${v}`,
            );
        }
        const full = isRecord(value) && ("default" in value || "lookup" in value) && Object.keys(value).length <= 3;
        if (full && "default" in value) {
            variables[v].default = value.default;
            delete variables[v].lookup;
        } else if (full && "lookup" in value) {
            variables[v].lookup = value.lookup;
            delete variables[v].default;
        } else {
            // A plain value is the shorthand of `{default: value}` (root.go, rewriteShorthands), and
            // a target's default drops the root's lookup.
            variables[v].default = value;
            delete variables[v].lookup;
        }
    }
    // Values saved by `databricks bundle deploy --var` (mutator/set_variables.go).
    const saved = path.join(bundle.dir, ".databricks", "bundle", name, "variable-overrides.json");
    if (fs.existsSync(saved)) {
        try {
            const values = JSON.parse(fs.readFileSync(saved, "utf8")) as Record<string, unknown>;
            for (const [v, value] of Object.entries(values)) if (v in variables) variables[v].default = value;
        } catch {
            throw new BundleError(`${path.relative(bundle.dir, saved)}: expected a JSON object of variable values`);
        }
    }
    const lookups = new Map<string, LookupVariable>();
    const values: Record<string, unknown> = {};
    for (const [v, def] of Object.entries(variables)) {
        if (isRecord(def.lookup)) {
            const [kind, lookupName] = Object.entries(def.lookup)[0] ?? ["?", ""];
            lookups.set(v, { name: v, kind, lookupName: String(lookupName) });
            values[v] = `\${var.${v}}`;
        } else if (def.default !== undefined) values[v] = def.default;
    }
    config.variables = Object.fromEntries(
        Object.entries(variables).map(([v, def]) => [v, { ...def, ...(v in values ? { value: values[v] } : {}) }]),
    );

    // Workspace paths as the CLI defaults them (mutator/default_workspace_root.go, default_workspace_paths.go).
    const ws = { ...(isRecord(config.workspace) ? config.workspace : {}) };
    const home = "/Workspace/Users/${workspace.current_user.userName}";
    let root = typeof ws.root_path === "string" ? ws.root_path : `~/.bundle/\${bundle.name}/\${bundle.target}`;
    if (root.startsWith("~/")) root = `${home}/${root.slice(2)}`;
    if (!root.startsWith("/Workspace/") && !root.startsWith("/Volumes/") && root.startsWith("/"))
        root = `/Workspace${root}`;
    ws.root_path = root;
    ws.file_path ??= "${workspace.root_path}/files";
    ws.resource_path ??= "${workspace.root_path}/resources";
    ws.artifact_path ??= "${workspace.root_path}/artifacts";
    ws.state_path ??= "${workspace.root_path}/state";
    config.workspace = ws;
    if (isRecord(config.resources)) config.resources = mergeResourceLists(config.resources);

    // Missing variable values are errors the CLI reports before anything else (set_variables.go).
    const missing = Object.keys(variables).filter((v) => !(v in values));
    if (missing.length > 0) {
        throw new BundleError(
            `${bundle.rootFile}: targets.${name}: no value assigned to required variable ${missing[0]}; expected a default, a value in targets.${name}.variables or a lookup`,
        );
    }

    const unresolved: ResolvedTarget["unresolved"] = [];
    const notReferences: ResolvedTarget["notReferences"] = [];
    const warnings: ResolvedTarget["warnings"] = [];
    const resolved = resolveAll(config, unresolved, notReferences, warnings);
    const bundleSection = resolved.bundle as Record<string, unknown>;
    return {
        name,
        mode: typeof bundleSection.mode === "string" ? bundleSection.mode : undefined,
        isDefault: t.default === true,
        config: resolved,
        lookups,
        unresolved,
        notReferences,
        warnings,
    };
}

/** The value at a dotted reference path (`var.x`, `resources.jobs.a.tasks[0].task_key`). */
function lookupPath(config: Record<string, unknown>, ref: string): { found: boolean; value?: unknown } {
    const raw = ref.match(/[^.[\]]+|\[\d+\]/g) ?? [];
    // `var.x.y` is `variables.x.value.y` (mutator/resolve_variable_references.go).
    const parts = raw[0] === "var" ? ["variables", raw[1], "value", ...raw.slice(2)] : raw;
    let v: unknown = config;
    for (const part of parts) {
        if (part.startsWith("[")) {
            if (!Array.isArray(v)) return { found: false };
            v = v[Number(part.slice(1, -1))];
        } else {
            if (!isRecord(v) || !(part in v)) return { found: false };
            v = v[part];
        }
    }
    return { found: v !== undefined, value: v };
}

/** Whether a reference stays one: what only the workspace or a deployment knows. */
function deployTime(ref: string, config: Record<string, unknown>): boolean {
    if (USER_REFERENCES.includes(ref) || ref.startsWith("workspace.current_user.")) return true;
    if (ref.startsWith("var.")) {
        const v = lookupPath(config, ref);
        return typeof v.value === "string" && v.value === `\${${ref}}`;
    }
    return false;
}

/**
 * Replaces every reference the configuration answers, again and again until nothing changes (a
 * variable's default may name another variable). A string that is exactly one reference takes
 * the referenced value whole (a complex variable, a number, a boolean).
 */
function resolveAll(
    config: Record<string, unknown>,
    unresolved: ResolvedTarget["unresolved"],
    notReferences: ResolvedTarget["notReferences"],
    warnings: ResolvedTarget["warnings"],
): Record<string, unknown> {
    let current = config;
    let size = JSON.stringify(config).length;
    for (let round = 0; ; round++) {
        let changed = false;
        let tooLong: string | undefined;
        const walk = (value: unknown, p: string): unknown => {
            if (Array.isArray(value)) return value.map((v, i) => walk(v, `${p}[${i}]`));
            if (isRecord(value)) {
                const out: Record<string, unknown> = {};
                for (const [k, v] of Object.entries(value)) out[k] = walk(v, p ? `${p}.${k}` : k);
                return out;
            }
            if (typeof value !== "string" || !value.includes("${")) return value;
            const whole = new RegExp(`^${REFERENCE.source}$`).exec(value);
            if (whole) {
                const ref = whole[1];
                if (deployTime(ref, current)) return value;
                const found = lookupPath(current, ref);
                if (found.found && found.value !== value) {
                    changed = true;
                    return found.value;
                }
                return value;
            }
            const next = value.replace(REFERENCE, (m, ref: string) => {
                if (deployTime(ref, current)) return m;
                const found = lookupPath(current, ref);
                if (!found.found || isRecord(found.value) || Array.isArray(found.value)) return m;
                return String(found.value);
            });
            if (next.length > MAX_RESOLVED_LENGTH) {
                tooLong ??= p;
                return value;
            }
            if (next !== value) changed = true;
            return next;
        };
        const next = walk(current, "") as Record<string, unknown>;
        const nextSize = JSON.stringify(next).length;
        // A whole value may be a mapping that names itself (a complex variable): bound the total too.
        if (tooLong !== undefined || nextSize > Math.max(size, 1) * 2 + MAX_RESOLVED_LENGTH) {
            warnings.push({
                path: tooLong ?? "",
                message: `a reference whose value includes itself (resolved for ${round + 1} rounds, it grew past ${MAX_RESOLVED_LENGTH} characters): left unresolved`,
            });
            break;
        }
        current = next;
        size = nextSize;
        if (!changed) break;
        if (round >= MAX_RESOLUTION_ROUNDS - 1) {
            // As the CLI: "Variables references are too deep, stopping resolution after 11 rounds."
            warnings.push({
                path: "",
                message: `references too deep: resolution stopped after ${MAX_RESOLUTION_ROUNDS} rounds, as the Databricks CLI stops; references may remain`,
            });
            break;
        }
    }
    // What is left: references nothing answers offline, and text that only looks like one.
    const collect = (value: unknown, p: string) => {
        if (Array.isArray(value)) return value.forEach((v, i) => collect(v, `${p}[${i}]`));
        if (isRecord(value)) {
            for (const [k, v] of Object.entries(value)) if (p !== "variables") collect(v, p ? `${p}.${k}` : k);
            return;
        }
        if (typeof value !== "string") return;
        for (const m of value.matchAll(REFERENCE)) {
            if (!USER_REFERENCES.includes(m[1])) unresolved.push({ path: p, reference: m[0] });
        }
        const stripped = value.replace(REFERENCE, "");
        if (/\$\{[^}]*\}/.test(stripped)) notReferences.push({ path: p, text: value });
    };
    collect(current, "");
    return current;
}
