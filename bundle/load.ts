import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";

/**
 * Reads a Databricks Asset Bundle as the Databricks CLI does (databricks/cli bundle/config):
 * the root file (`databricks.yml`, `databricks.yaml`, `bundle.yml` or `bundle.yaml`,
 * bundle/config/filename.go), the files its `include` globs match (each glob's matches sorted,
 * a file matched twice loaded once, bundle/config/loader/process_root_includes.go), YAML anchors,
 * aliases and merge keys, then one target merged in (bundle/config/root.go,
 * MergeTargetOverrides) and its variables and references resolved (resolve.ts).
 */

/** The bundle cannot be read: not a bundle, invalid YAML, a broken include. Exit 2, no trace. */
export class BundleError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "BundleError";
    }
}

/** The root file names the CLI looks for, in its order. */
export const ROOT_FILES = ["databricks.yml", "databricks.yaml", "bundle.yml", "bundle.yaml"];

/**
 * How a local file path reads once loaded: absolute, marked, so that a workspace path such as
 * `/Shared/x` is never taken for a file of the bundle.
 */
export const LOCAL = "local:";

/**
 * Fields whose relative values are local files, made relative to the file that names them
 * (bundle/config/mutator/translate_paths*.go). Keyed by the field's name and its parent's.
 */
const PATH_FIELDS: [parent: string | undefined, field: string][] = [
    ["notebook_task", "notebook_path"],
    ["spark_python_task", "python_file"],
    ["file", "path"],
    ["notebook", "path"],
    [undefined, "source_code_path"],
    [undefined, "file_path"],
    ["dbt_task", "project_directory"],
    [undefined, "requirements"],
    [undefined, "whl"],
    [undefined, "jar"],
];

export interface LoadedBundle {
    /** The bundle folder. */
    dir: string;
    /** The root file, relative to `dir`. */
    rootFile: string;
    /** Every file loaded, relative to `dir`, root first. */
    files: string[];
    /** The merged configuration of every file, targets not yet applied. */
    config: Record<string, unknown>;
    /** `<type>.<key>` of each resource to the file that defines it (first definition). */
    origins: Map<string, string>;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Reads one YAML file of the bundle, with merge keys, its local paths made absolute. */
function readFile(dir: string, rel: string): Record<string, unknown> {
    const abs = path.join(dir, rel);
    let text: string;
    try {
        text = fs.readFileSync(abs, "utf8");
    } catch {
        throw new BundleError(`${rel}: cannot read the file`);
    }
    const doc = parseDocument(text, { merge: true, prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
        const e = doc.errors[0];
        const where = e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : "";
        throw new BundleError(`${rel}: invalid YAML${where}: ${e.message.split("\n")[0]}`);
    }
    const value: unknown = doc.toJS({ maxAliasCount: 1000 }) ?? {};
    if (!isRecord(value)) {
        throw new BundleError(`${rel}: expected a mapping at the top level, found ${JSON.stringify(value)}`);
    }
    return localPaths(value, path.dirname(abs)) as Record<string, unknown>;
}

/** Marks each relative local path of a file as an absolute one, relative to the file's folder. */
function localPaths(value: unknown, base: string, key?: string, parent?: string): unknown {
    if (Array.isArray(value)) return value.map((v) => localPaths(v, base, key, parent));
    if (isRecord(value)) {
        // A task that runs its notebook from a Git source names a path in the repository.
        const git = value.source === "GIT";
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) out[k] = git ? v : localPaths(v, base, k, key);
        return out;
    }
    if (typeof value === "string" && key !== undefined && isPathField(parent, key) && isRelativeLocal(value)) {
        return LOCAL + path.resolve(base, value);
    }
    return value;
}

function isPathField(parent: string | undefined, key: string): boolean {
    return PATH_FIELDS.some(([p, f]) => f === key && (p === undefined || p === parent));
}

function isRelativeLocal(v: string): boolean {
    return (
        v !== "" && !v.startsWith("/") && !v.startsWith("${") && !/^[a-z][a-z0-9+.-]*:/i.test(v) && !v.startsWith("~")
    );
}

/**
 * Merges `b` into `a` as the CLI's dyn merge does (libs/dyn/merge/merge.go): maps key by key,
 * sequences concatenated, any other value replaced by `b`'s.
 */
export function dynMerge(a: unknown, b: unknown): unknown {
    if (isRecord(a) && isRecord(b)) {
        const out: Record<string, unknown> = { ...a };
        for (const [k, v] of Object.entries(b)) out[k] = k in a ? dynMerge(a[k], v) : v;
        return out;
    }
    if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
    return b === undefined || b === null ? a : b;
}

/** Go's filepath.Match for one path segment pattern (`*`, `?`, `[...]`). */
function segmentRegex(pattern: string): RegExp {
    let re = "";
    for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i];
        if (c === "*") re += "[^/]*";
        else if (c === "?") re += "[^/]";
        else if (c === "[") {
            const end = pattern.indexOf("]", i);
            if (end < 0) throw new BundleError(`include: "${pattern}": unterminated [ in the glob`);
            let cls = pattern.slice(i + 1, end);
            if (cls.startsWith("^")) cls = `^${cls.slice(1)}`;
            re += `[${cls.replace(/\\/g, "\\\\")}]`;
            i = end;
        } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
    }
    return new RegExp(`^${re}$`);
}

/** The files a glob matches under `dir`, sorted, as Go's filepath.Glob (no `**`). */
export function glob(dir: string, pattern: string): string[] {
    const parts = pattern.split("/").filter((p) => p !== "" && p !== ".");
    let current = [""];
    for (const [i, part] of parts.entries()) {
        const last = i === parts.length - 1;
        const next: string[] = [];
        for (const base of current) {
            const abs = path.join(dir, base);
            if (!/[*?[]/.test(part)) {
                const candidate = path.join(base, part);
                if (fs.existsSync(path.join(dir, candidate))) next.push(candidate);
                continue;
            }
            if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) continue;
            const re = segmentRegex(part);
            for (const entry of fs.readdirSync(abs).sort()) {
                if (!re.test(entry)) continue;
                const candidate = path.join(base, entry);
                if (last || fs.statSync(path.join(dir, candidate)).isDirectory()) next.push(candidate);
            }
        }
        current = next;
    }
    return current.filter((f) => f !== "" && fs.statSync(path.join(dir, f)).isFile()).sort();
}

/** Finds the root file of a bundle folder; not a bundle: a BundleError. */
export function findRootFile(dir: string): string {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
        throw new BundleError(`${dir}: no such folder`);
    }
    const found = ROOT_FILES.filter((f) => fs.existsSync(path.join(dir, f)));
    if (found.length === 0) {
        throw new BundleError(`${dir}: not a bundle: expected one of ${ROOT_FILES.join(", ")} in the folder`);
    }
    if (found.length > 1) {
        throw new BundleError(`${dir}: expected one bundle root file, found ${found.join(" and ")}`);
    }
    return found[0];
}

/** Loads the root file and every included file, merged; targets are applied later. */
export function loadBundle(dir: string): LoadedBundle {
    const rootFile = findRootFile(dir);
    let config = readFile(dir, rootFile);
    if (!isRecord(config.bundle) || typeof config.bundle.name !== "string" || config.bundle.name === "") {
        throw new BundleError(`${rootFile}: bundle.name: expected the bundle's name, found nothing`);
    }
    const origins = new Map<string, string>();
    const record = (file: string, value: Record<string, unknown>) => {
        const resources = isRecord(value.resources) ? value.resources : {};
        for (const [type, byKey] of Object.entries(resources)) {
            if (!isRecord(byKey)) continue;
            for (const key of Object.keys(byKey)) {
                const id = `${type}.${key}`;
                if (origins.has(id) && file !== origins.get(id)) {
                    throw new BundleError(
                        `${file}: resources.${id}: expected each resource defined once, found it in ${origins.get(id)} too`,
                    );
                }
                origins.set(id, file);
            }
        }
    };
    record(rootFile, config);

    const includes = config.include ?? [];
    if (!Array.isArray(includes) || includes.some((i) => typeof i !== "string")) {
        throw new BundleError(`${rootFile}: include: expected a list of file globs, found ${JSON.stringify(includes)}`);
    }
    const files = [rootFile];
    for (const entry of includes as string[]) {
        if (path.isAbsolute(entry))
            throw new BundleError(`${rootFile}: include: ${entry}: includes must be relative paths`);
        const matches = glob(dir, entry).filter((f) => !files.includes(f));
        if (matches.length === 0 && !/[*?[]/.test(entry) && !files.includes(path.normalize(entry))) {
            throw new BundleError(
                `${rootFile}: include: ${entry} defined in 'include' section does not match any files`,
            );
        }
        for (const rel of matches) {
            if (![".yml", ".yaml", ".json"].includes(path.extname(rel))) {
                throw new BundleError(
                    `${rootFile}: include: ${rel}: files in the 'include' section must be YAML or JSON files`,
                );
            }
            const value = readFile(dir, rel);
            if (value.include !== undefined) {
                throw new BundleError(`${rel}: include: expected includes only in ${rootFile}`);
            }
            record(rel, value);
            config = dynMerge(config, value) as Record<string, unknown>;
            files.push(rel);
        }
    }
    // `environments` is the old name of `targets` (bundle/config/mutator/environments_compat.go).
    if (config.targets === undefined && config.environments !== undefined) {
        config = { ...config, targets: config.environments };
        delete config.environments;
    }
    return { dir, rootFile, files, config, origins };
}
