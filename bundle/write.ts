import * as fs from "node:fs";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { Document, isMap, isSeq, parseDocument, type YAMLMap } from "yaml";
import { SHARED_FILE } from "../config/load";
import { WORKLOAD_ENTRY_POINTS } from "../components/project/workloadCode";
import { BundleError, isRecord } from "./load";
import type { WorkloadFile } from "./jobs";
import type { EntryPoint, MappedTarget } from "./map";
import type { ReportEntry } from "./report";

/**
 * Writes the mapped targets as this program's config: the project once in the shared file, each
 * target's stack file with only what differs from it, and the bundle's notebooks as the
 * project's workload folder. Into a new folder (`--out`), or added to a project folder's own
 * files with their comments kept (`--write`).
 */

/** This program's folder: its Pulumi.yaml and the checkout `--write` adds to by default. */
export const PROGRAM_ROOT = path.resolve(__dirname, "..");

/** Settings whose values are objects: the shared file holds them when every target agrees. */
const OBJECT_SETTINGS = ["sparkConf", "tags"];

/** The order of a stack file's keys: where and as whom first, then sizes, then the projects. */
const STACK_ORDER = [
    "environment",
    "mode",
    "allowModeMismatch",
    "catalog",
    "workspace",
    "workspaceRootPath",
    "runAs",
    "clusterPolicy",
    "sqlWarehouse",
    "managerGroups",
    "runnerGroups",
    "viewerGroups",
    "failureEmails",
    "sparkVersion",
    "nodeTypes",
    "nodeType",
    "numWorkers",
    "maxWorkers",
    "sparkConf",
    "tags",
];

export interface ImportResult {
    /** The project's name. */
    project: string;
    /** The shared file's content: the object settings every target shares and the project. */
    shared: Record<string, unknown>;
    /** Each target's stack config, keys with their namespace. */
    stacks: Map<string, Record<string, unknown>>;
    /** The target whose values are the shared definition. */
    baseTarget: string;
    /** Entry point file name to the local file to copy, or undefined for a placeholder. */
    notebooks: Record<string, string | undefined>;
    /** The files the project's own tasks run, by their path in the workload folder. */
    files: WorkloadFile[];
}

/** The defaults of the program's Pulumi.yaml, by key. */
export function programDefaults(root = PROGRAM_ROOT): Record<string, unknown> {
    const doc = parseDocument(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")).toJS() as {
        config?: Record<string, { default?: unknown }>;
    };
    return Object.fromEntries(Object.entries(doc.config ?? {}).map(([k, v]) => [k, isRecord(v) ? v.default : v]));
}

/** What a stack changes of the shared definition: changed keys, `null` for a removed one. */
export function overrideOf(value: Record<string, unknown>, base: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
        if (isDeepStrictEqual(v, base[k])) continue;
        if (isRecord(v) && isRecord(base[k]) && !k.endsWith("routes")) {
            const inner = overrideOf(v, base[k] as Record<string, unknown>);
            if (Object.keys(inner).length > 0) out[k] = inner;
        } else out[k] = v;
    }
    for (const k of Object.keys(base)) if (!(k in value)) out[k] = null;
    return out;
}

/** Composes the project, its stacks and its notebooks from the mapped targets. */
export function compose(
    mapped: MappedTarget[],
    namespace: string,
    defaults: Record<string, unknown>,
    adopt: Map<string, Record<string, string>>,
): ImportResult {
    // The production target's values are the shared definition: a production-mode target, else
    // one named so (mlops-stacks' `prod`, deployed without a mode), else the first.
    const base =
        mapped.find((m) => m.stack.mode === "production") ??
        mapped.find(
            (m) => m.stack.mode === "none" && /^(prod|production|prd|live)$/.test(String(m.stack.environment)),
        ) ??
        mapped[0];
    const project = base.project;
    const shared: Record<string, unknown> = {};
    for (const key of OBJECT_SETTINGS) {
        const values = mapped.map((m) => m.stack[key]);
        if (
            values.every((v) => isDeepStrictEqual(v, values[0])) &&
            isRecord(values[0]) &&
            Object.keys(values[0]).length > 0
        ) {
            shared[key] = values[0];
        }
    }
    shared.projects = [project];
    const stacks = new Map<string, Record<string, unknown>>();
    for (const m of mapped) {
        const config: Record<string, unknown> = {};
        for (const key of STACK_ORDER) {
            const v = m.stack[key];
            if (v === undefined || key in shared) continue;
            if (key in defaults && isDeepStrictEqual(v, defaults[key])) continue;
            if (!(key in defaults) && Array.isArray(v) && v.length === 0) continue;
            if (!(key in defaults) && isRecord(v) && Object.keys(v).length === 0 && OBJECT_SETTINGS.includes(key))
                continue;
            config[`${namespace}:${key}`] = v;
        }
        if (m.host) config["databricks:host"] = m.host;
        const override = overrideOf(m.project, project);
        const ids = adopt.get(m.target);
        if (ids && Object.keys(ids).length > 0) override.adopt = ids;
        if (Object.keys(override).length > 0)
            config[`${namespace}:projectOverrides`] = { [String(project.name)]: override };
        stacks.set(m.target, config);
    }
    // The notebooks: the base target's, else any target's; only the entry points of the program's
    // default tasks that some target runs (a job with its own tasks runs its own files).
    const notebooks: Record<string, string | undefined> = {};
    const runsDefaults = (m: MappedTarget, job: string) =>
        !isRecord(m.project[job]) || !("tasks" in (m.project[job] as Record<string, unknown>));
    const needed: Record<EntryPoint, boolean> = {
        features: mapped.some((m) => runsDefaults(m, "training")),
        train: mapped.some((m) => runsDefaults(m, "training")),
        evaluate: mapped.some((m) => runsDefaults(m, "training")),
        batchInference: mapped.some((m) => runsDefaults(m, "inference")),
    };
    for (const [key, file] of Object.entries(WORKLOAD_ENTRY_POINTS) as [EntryPoint, string][]) {
        if (!needed[key]) continue;
        notebooks[file] = base.notebooks[key] ?? mapped.map((m) => m.notebooks[key]).find((f) => f !== undefined);
    }
    const files: WorkloadFile[] = [];
    for (const f of mapped.flatMap((m) => m.files)) {
        const known = files.find((x) => x.rel === f.rel);
        if (!known) files.push({ ...f });
        else known.source ??= f.source;
    }
    return { project: String(project.name), shared, stacks, baseTarget: base.target, notebooks, files };
}

function placeholder(project: string, file: string): string {
    return [
        "# Databricks notebook source",
        `# Placeholder for ${file} of ${project}: the bundle's job has no such notebook. Replace it with`,
        "# the project's code (see docs/migrating-from-bundles.md).",
        'raise NotImplementedError("' + file + " of " + project + ' is a placeholder")',
        "",
    ].join("\n");
}

/** Writes the workload folder: the bundle's notebooks, or placeholders; names the placeholders. */
export function writeWorkload(dir: string, result: ImportResult, entries: ReportEntry[]): void {
    fs.mkdirSync(dir, { recursive: true });
    for (const f of result.files) {
        const dest = path.join(dir, f.rel);
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        if (f.source !== undefined) fs.copyFileSync(f.source, dest);
        else fs.writeFileSync(dest, f.text ?? placeholder(result.project, f.rel));
    }
    for (const [file, source] of Object.entries(result.notebooks)) {
        const dest = path.join(dir, file);
        if (source !== undefined && path.extname(source) === ".py") {
            fs.copyFileSync(source, dest);
        } else {
            fs.writeFileSync(dest, placeholder(result.project, file));
            entries.push({
                target: "*",
                kind: "added",
                path: `workloads/${result.project}/${file}`,
                message:
                    source === undefined
                        ? "no task of the bundle runs this entry point: a placeholder notebook that fails until replaced"
                        : `${path.basename(source)} is not a Python source file: a placeholder notebook that fails until replaced`,
            });
        }
    }
}

function header(target: string, bundleName: string, rootFile: string): string {
    return ` Target ${target} of the bundle ${bundleName} (${rootFile}), imported by \`npm run import-bundle\`:\n only what differs from ${SHARED_FILE}. See import-report.md for what did not map.`;
}

/** A new stack file's document. */
function stackDocument(config: Record<string, unknown>, comment: string): Document {
    const doc = new Document({ config });
    doc.commentBefore = comment;
    return doc;
}

/** Whether a stack's value already says what the import wants (an object: every key the import sets). */
function covers(current: unknown, wanted: unknown): boolean {
    if (isRecord(current) && isRecord(wanted)) return Object.entries(wanted).every(([k, v]) => covers(current[k], v));
    return isDeepStrictEqual(current, wanted);
}

/** Writes the imported project as a folder of its own that plans as it is. */
export function writeOut(
    out: string,
    result: ImportResult,
    meta: { bundleName: string; rootFile: string },
    entries: ReportEntry[],
): void {
    fs.mkdirSync(out, { recursive: true });
    const project = parseDocument(fs.readFileSync(path.join(PROGRAM_ROOT, "Pulumi.yaml"), "utf8"));
    // `pulumi up` in this folder runs this program (its index.ts), wherever the folder is.
    project.set("main", path.relative(out, PROGRAM_ROOT) || ".");
    fs.writeFileSync(path.join(out, "Pulumi.yaml"), project.toString({ lineWidth: 0 }));
    const shared = new Document(result.shared);
    shared.commentBefore = ` The bundle ${meta.bundleName} (${meta.rootFile}) as one ML project, imported by \`npm run import-bundle\`:\n the values of its target ${result.baseTarget}; each stack file holds what its target changes.`;
    fs.writeFileSync(path.join(out, SHARED_FILE), shared.toString());
    for (const [target, config] of result.stacks) {
        fs.writeFileSync(
            path.join(out, `Pulumi.${target}.yaml`),
            stackDocument(config, header(target, meta.bundleName, meta.rootFile)).toString(),
        );
    }
    writeWorkload(path.join(out, "workloads", result.project), result, entries);
}

/**
 * Adds the imported project to a project folder's shared file and stack files, comments kept:
 * the project is appended to `projects`, each stack gets its target's settings where it has none
 * and the project's overrides. A project of the same name, or a setting a stack already holds
 * with another value, is a conflict: nothing is written.
 */
export function writeInto(
    dir: string,
    namespace: string,
    result: ImportResult,
    meta: { bundleName: string; rootFile: string },
    entries: ReportEntry[],
): void {
    const sharedFile = path.join(dir, SHARED_FILE);
    const shared = fs.existsSync(sharedFile)
        ? parseDocument(fs.readFileSync(sharedFile, "utf8"))
        : parseDocument("{}\n");
    if (shared.errors.length > 0)
        throw new BundleError(`${SHARED_FILE}: invalid YAML: ${shared.errors[0].message.split("\n")[0]}`);
    const conflicts: string[] = [];
    const projects = shared.get("projects");
    if (projects !== undefined && !isSeq(projects)) conflicts.push(`${SHARED_FILE}: projects: expected a list`);
    const names = isSeq(projects) ? projects.items.map((p) => (isMap(p) ? String(p.get("name")) : "")) : [];
    if (names.includes(result.project)) {
        conflicts.push(
            `${SHARED_FILE}: projects: a project named ${result.project} exists already (import into a new folder with --out, or rename one)`,
        );
    }
    // Object settings the shared file holds already stay; a different value goes to the stacks.
    const toStacks: Record<string, unknown> = {};
    for (const key of OBJECT_SETTINGS) {
        if (!(key in result.shared)) continue;
        const existing = shared.get(key);
        if (existing === undefined) continue;
        const current = (shared.toJS() as Record<string, unknown>)[key];
        if (!isDeepStrictEqual(current, result.shared[key])) toStacks[key] = result.shared[key];
    }
    const stackDocs = new Map<string, { file: string; doc: Document; created: boolean }>();
    for (const [target, config] of result.stacks) {
        const file = path.join(dir, `Pulumi.${target}.yaml`);
        const created = !fs.existsSync(file);
        const doc = created ? parseDocument("config: {}\n") : parseDocument(fs.readFileSync(file, "utf8"));
        if (doc.errors.length > 0)
            throw new BundleError(`Pulumi.${target}.yaml: invalid YAML: ${doc.errors[0].message.split("\n")[0]}`);
        const current = ((doc.toJS() as { config?: Record<string, unknown> } | null)?.config ?? {}) as Record<
            string,
            unknown
        >;
        const wanted = { ...config };
        for (const [k, v] of Object.entries(toStacks)) wanted[`${namespace}:${k}`] = v;
        for (const [key, value] of Object.entries(wanted)) {
            if (key === `${namespace}:projectOverrides`) continue;
            if (!(key in current)) doc.setIn(["config", key], doc.createNode(value));
            else if (!covers(current[key], value)) {
                conflicts.push(
                    `Pulumi.${target}.yaml: ${key}: holds ${JSON.stringify(current[key])}, the bundle's target ${target} says ${JSON.stringify(value)}`,
                );
            }
        }
        const override = config[`${namespace}:projectOverrides`] as Record<string, unknown> | undefined;
        if (override)
            doc.setIn(
                ["config", `${namespace}:projectOverrides`, result.project],
                doc.createNode(override[result.project]),
            );
        if (created) doc.commentBefore = header(target, meta.bundleName, meta.rootFile);
        stackDocs.set(target, { file, doc, created });
    }
    if (conflicts.length > 0) {
        throw new BundleError(`cannot add the bundle to ${dir} (nothing was written):\n  ${conflicts.join("\n  ")}`);
    }
    for (const key of OBJECT_SETTINGS) {
        if (key in result.shared && shared.get(key) === undefined)
            shared.set(key, shared.createNode(result.shared[key]));
    }
    const project = shared.createNode((result.shared.projects as unknown[])[0]) as YAMLMap;
    project.commentBefore = ` The bundle ${meta.bundleName} (${meta.rootFile}), imported by \`npm run import-bundle\`.`;
    if (isSeq(projects)) projects.add(project);
    else shared.set("projects", shared.createNode([]));
    if (!isSeq(projects)) (shared.get("projects") as { add(v: unknown): void }).add(project);
    fs.writeFileSync(sharedFile, shared.toString());
    for (const { file, doc } of stackDocs.values()) fs.writeFileSync(file, doc.toString());
    writeWorkload(path.join(dir, "workloads", result.project), result, entries);
}
