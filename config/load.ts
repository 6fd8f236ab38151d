import * as fs from "node:fs";
import * as path from "node:path";
import type * as Pulumi from "@pulumi/pulumi";
import { distance } from "fastest-levenshtein";
import { parseDocument, parse as parseYaml } from "yaml";
import type { z } from "zod";
import { type Settings, settingsSchema } from "./schema";
import { SHARED_FILE } from "./stackNames";
import { yamlProblem } from "./yaml";

export { yamlProblem } from "./yaml";

/**
 * The SDK, loaded when a function here first asks the engine something, not with this module:
 * reading and checking a stack's files needs no SDK, and `plan --base` reads them to start the
 * base's plan before this process loads the SDK (plan/cli.ts).
 */
const pulumi = {
    get runtime(): typeof Pulumi.runtime {
        return sdk().runtime;
    },
    getProject: (): string => sdk().getProject(),
    getStack: (): string => sdk().getStack(),
};
function sdk(): typeof Pulumi {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("@pulumi/pulumi") as typeof Pulumi;
}

/**
 * A stack configuration the program refuses. It is a `pulumi.RunError` to the engine, so `pulumi
 * up` prints the message alone, without a stack trace, and the offline plan does the same:
 * `RunError.isInstance` recognizes one by the marker below, the SDK's own test that works across
 * copies of the SDK (@pulumi/pulumi errors.ts), so this module need not load the SDK to define it.
 */
export class ConfigError extends Error {
    /** The mark `pulumi.RunError.isInstance` looks for. */
    readonly __pulumiRunError = true;

    constructor(
        message: string,
        /** Each problem on a line of its own, already prefixed with the file and key. */
        public readonly problems: string[],
    ) {
        super(message);
        this.name = "ConfigError";
    }
}

/**
 * The config namespaces a stack may use besides the project's own: the providers this program
 * declares resources with, and Pulumi's (`pulumi:tags`, `pulumi:disable-default-providers`).
 */
export const OTHER_NAMESPACES = ["databricks", "azure-native", "pulumi"];

/** Where a top-level key's value came from, for the error message: a file name. */
export type SourceOf = (key: string) => string;

/** Where a value at a key path was set, for the error message: `<file>: <key path>`. */
export type Locate = (keyPath: PropertyKey[]) => string;

export { SHARED_FILE } from "./stackNames";

/**
 * Parses the raw values of the project's config namespace (keys without the namespace) into typed
 * settings, or throws a ConfigError listing every problem with its file, key path, what was
 * expected and what was found.
 */
export function parseSettings(
    namespace: string,
    raw: Record<string, unknown>,
    sourceOf: SourceOf,
    locate: Locate = (p) => `${sourceOf(p[0] === undefined ? "" : String(p[0]))}: ${formatKey(namespace, p)}`,
): Settings {
    const result = settingsSchema.safeParse(raw, { reportInput: true, jitless: true });
    if (result.success) return result.data;
    const problems = result.error.issues.flatMap((issue) => describeIssue(issue, locate));
    throw new ConfigError(
        `invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${problems.join("\n  ")}`,
        problems,
    );
}

function describeIssue(issue: z.core.$ZodIssue, locate: Locate): string[] {
    const at = locate;
    switch (issue.code) {
        case "unrecognized_keys":
            return issue.keys.map(
                (k) =>
                    `${at([...issue.path, k])}: unknown key; expected ${describeKeys(issue.path)}, found "${k}"${didYouMean(k, keysAt(issue.path)) || " (check the spelling)"}`,
            );
        case "invalid_type":
            return [`${at(issue.path)}: expected ${issue.expected}, found ${describeValue(issue.input)}`];
        case "invalid_value": {
            const values = issue.values.filter((v): v is string => typeof v === "string");
            const hint = typeof issue.input === "string" ? didYouMean(issue.input, values, JSON.stringify) : "";
            return [
                `${at(issue.path)}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, found ${describeValue(issue.input)}${hint}`,
            ];
        }
        case "custom":
            return [
                `${at(issue.path)}: ${issue.message}${issue.message.includes("found") ? "" : `, found ${describeValue(issue.input)}`}`,
            ];
        case "invalid_key": {
            // A record key failed its own check: report that check's message.
            const inner = issue.issues[0]?.message ?? "a valid key";
            return [
                `${at(issue.path)}: ${inner.startsWith("expected") ? inner : `expected ${lowerFirst(inner)}`}, found ${describeValue(issue.input)}`,
            ];
        }
        case "too_small":
        case "too_big":
            return [`${at(issue.path)}: expected ${describeBound(issue)}, found ${describeValue(issue.input)}`];
        default: {
            const message = issue.message.startsWith("expected")
                ? issue.message
                : `expected ${lowerFirst(issue.message)}`;
            return [`${at(issue.path)}: ${message}, found ${describeValue(issue.input)}`];
        }
    }
}

/**
 * ` (did you mean "x"?)` when one candidate is close to what was written: the same but for case,
 * or at most a third of its length (and 3) in edits away; "" otherwise.
 */
export function didYouMean(found: string, candidates: string[], show: (c: string) => string = (c) => `"${c}"`): string {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const c of candidates) {
        if (c === found) continue;
        const d = c.toLowerCase() === found.toLowerCase() ? 0 : distance(c, found);
        if (d < bestDistance) [best, bestDistance] = [c, d];
    }
    const limit = Math.min(3, Math.floor(found.length / 3));
    return best !== undefined && bestDistance <= limit ? ` (did you mean ${show(best)}?)` : "";
}

/** The keys the schema allows at a path, for an unknown-key message. */
function describeKeys(p: PropertyKey[]): string {
    const keys = keysAt(p);
    return keys.length > 0 ? `one of ${keys.join(", ")}` : "no such key";
}

/** The keys the schema allows at a path; none when it is not an object. */
function keysAt(p: PropertyKey[]): string[] {
    let schema: z.core.$ZodType | undefined = settingsSchema;
    for (const part of p) {
        schema = unwrap(schema);
        if (!schema) break;
        const def = schema._zod.def as {
            type: string;
            shape?: Record<string, z.core.$ZodType>;
            element?: z.core.$ZodType;
        };
        schema = def.type === "object" ? def.shape?.[String(part)] : def.type === "array" ? def.element : undefined;
    }
    schema = unwrap(schema);
    const shape = schema && (schema._zod.def as { shape?: Record<string, unknown> }).shape;
    return shape ? Object.keys(shape) : [];
}

function unwrap(schema: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
    let s = schema;
    while (s) {
        const def = s._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
        if (def.type === "optional" || def.type === "default" || def.type === "nullable") s = def.innerType;
        else if (def.type === "pipe") s = def.in;
        else break;
    }
    return s;
}

/** `namespace:key.sub[0].field`, the way `pulumi config set --path` spells it. */
export function formatKey(namespace: string, p: PropertyKey[]): string {
    let out = `${namespace}:`;
    p.forEach((part, i) => {
        if (typeof part === "number") out += `[${part}]`;
        else out += i === 0 ? String(part) : `.${String(part)}`;
    });
    return out;
}

/** "a number >= 1", "at least 1 item", "at most 24 characters". */
function describeBound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
    const small = issue.code === "too_small";
    const bound = Number(
        small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum,
    );
    const inclusive = issue.inclusive ?? true;
    switch (issue.origin) {
        case "number":
        case "int":
        case "bigint":
            return `a number ${small ? ">" : "<"}${inclusive ? "=" : ""} ${bound}`;
        case "string":
            return `${small ? "at least" : "at most"} ${bound} character${bound === 1 ? "" : "s"}`;
        case "array":
        case "set":
            return `${small ? "at least" : "at most"} ${bound} item${bound === 1 ? "" : "s"}`;
        default:
            return lowerFirst(issue.message);
    }
}

function describeValue(v: unknown): string {
    if (v === undefined) return "nothing (the key is missing)";
    const text = JSON.stringify(v);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function lowerFirst(s: string): string {
    return s.charAt(0).toLowerCase() + s.slice(1);
}

/** Whether a top-level key holds a plain string (kept raw, never JSON-decoded). */
function isStringKey(key: string): boolean {
    const field = unwrap((settingsSchema.shape as Record<string, z.core.$ZodType>)[key]);
    return field !== undefined && field._zod.def.type === "string";
}

/**
 * Reads the program's settings from the Pulumi config the engine (or the offline plan) gives it,
 * and the shared file. Values arrive as strings: objects and lists as JSON, scalars as text.
 */
export function loadSettings(): Settings {
    return loadConfig().settings;
}

/** The settings, and where each key path was set (for errors found after parsing). */
export function loadConfig(): { settings: Settings; locate: Locate } {
    return configFromSource({
        namespace: pulumi.getProject(),
        stack: pulumi.getStack(),
        config: pulumi.runtime.allConfig(),
        isSecret: isConfigSecret,
        // The Pulumi CLI runs the program in the project folder, and so does the offline plan.
        projectDir: process.cwd(),
    });
}

export interface ConfigSource {
    /** The project name: this program's config namespace. */
    namespace: string;
    stack: string;
    /** `namespace:key` to its value as the engine passes it. */
    config: Record<string, string>;
    /** Whether the engine marked a key secret. */
    isSecret: (fullKey: string) => boolean;
    /** The folder of Pulumi.yaml, the stack files and the shared file. */
    projectDir: string;
}

/**
 * The settings of a stack: the shared file, then Pulumi's config (Pulumi.yaml's defaults and the
 * stack file), then each project's `projectOverrides` merged into its shared definition; checked
 * by the schema, every problem named with the file and key path it came from.
 */
export function settingsFromConfig(src: ConfigSource): Settings {
    return configFromSource(src).settings;
}

/**
 * Settings parsed earlier in this process, by everything they were parsed from: the config and
 * which of its keys are secret, and the texts of the files read (the shared file, Pulumi.yaml).
 * One plan parses the same stack's settings several times (the model versions the mocked
 * workspace has, the schemas it lists, the program itself); the schema's parse is the dearest
 * part. Frozen, so that no reader can change what the next one gets. Errors are not kept.
 */
const parsed = new Map<string, { settings: Settings; locate: Locate }>();
const PARSED_KEPT = 8;

function readText(file: string): string | null {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return null;
    }
}

function deepFreeze<T>(value: T): T {
    if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value)) deepFreeze(v);
    }
    return value;
}

/** The settings of a stack and where each key path was set; see `settingsFromConfig`. */
export function configFromSource(src: ConfigSource): { settings: Settings; locate: Locate } {
    const projectDir = path.resolve(src.projectDir);
    const key = JSON.stringify([
        src.namespace,
        src.stack,
        projectDir,
        Object.keys(src.config)
            .sort()
            .map((k) => [k, src.config[k], src.isSecret(k)]),
        readText(path.join(projectDir, SHARED_FILE)),
        readText(path.join(projectDir, "Pulumi.yaml")),
    ]);
    const hit = parsed.get(key);
    if (hit) return hit;
    const result = parseConfigSource(src);
    deepFreeze(result.settings);
    parsed.set(key, result);
    if (parsed.size > PARSED_KEPT) parsed.delete(parsed.keys().next().value as string);
    return result;
}

function parseConfigSource(src: ConfigSource): { settings: Settings; locate: Locate } {
    const { namespace, stack, projectDir } = src;
    const raw: Record<string, unknown> = {};
    const problems: string[] = [];
    const sourceOf = stackFileSource(stack, namespace, projectDir);
    for (const [fullKey, value] of Object.entries(src.config)) {
        const sep = fullKey.indexOf(":");
        const keyNamespace = fullKey.slice(0, sep);
        if (keyNamespace !== namespace) {
            // Other namespaces belong to the providers this program uses, or to Pulumi; any other
            // is a key nothing reads (`mlops:tags` would be dropped without a word).
            if (!OTHER_NAMESPACES.includes(keyNamespace)) {
                const expected = [namespace, ...OTHER_NAMESPACES].join(", ");
                const hint = didYouMean(
                    keyNamespace,
                    [namespace, ...OTHER_NAMESPACES],
                    (n) => `${n}:${fullKey.slice(sep + 1)}`,
                );
                problems.push(
                    `${sourceOf(fullKey.slice(sep + 1))}: ${fullKey}: unknown namespace; expected one of ${expected}, found "${keyNamespace}"${hint}`,
                );
            }
            continue;
        }
        const key = fullKey.slice(sep + 1);
        if (src.isSecret(fullKey)) {
            problems.push(
                `${sourceOf(key)}: ${fullKey}: expected a plain value (this program's settings are not secrets; credentials belong in the provider's config, such as databricks:token), found a secret`,
            );
            continue;
        }
        raw[key] = decode(key, value);
    }

    const shared = readSharedFile(projectDir);
    const projectKeys =
        Object.keys(shared).length > 0 ? readConfigKeys(path.join(projectDir, "Pulumi.yaml"), namespace) : new Set();
    for (const key of Object.keys(shared)) {
        if (projectKeys.has(key)) {
            problems.push(
                `${SHARED_FILE}: ${key}: expected each shared setting in one place, found it in Pulumi.yaml too`,
            );
        }
    }
    if (problems.length > 0) {
        throw new ConfigError(`invalid stack configuration:\n  ${problems.join("\n  ")}`, problems);
    }

    if (!("projects" in raw) && !("projects" in shared) && !fs.existsSync(path.join(projectDir, SHARED_FILE))) {
        const problem = `${SHARED_FILE}: no such file in ${projectDir}; expected it beside Pulumi.yaml, defining the projects (or ${formatKey(namespace, ["projects"])} in ${sourceOf("projects")})`;
        throw new ConfigError(`invalid stack configuration:\n  ${problem}`, [problem]);
    }
    const merged: Record<string, unknown> = { ...shared, ...raw };
    const fromShared = (key: string) => key in shared && !(key in raw);
    const overrides = isRecord(merged.projectOverrides) ? merged.projectOverrides : {};
    const projects = Array.isArray(merged.projects) ? (merged.projects as unknown[]) : undefined;
    if (projects) {
        const names = projects.map((p) => (isRecord(p) ? p.name : undefined));
        for (const name of Object.keys(overrides)) {
            if (!names.includes(name)) {
                const known = names.filter((n): n is string => typeof n === "string");
                problems.push(
                    `${sourceOf("projectOverrides")}: ${formatKey(namespace, ["projectOverrides", name])}: expected the name of a project (${known.join(", ")}), found "${name}"${didYouMean(name, known)}`,
                );
            }
        }
        merged.projects = projects.map((p) =>
            isRecord(p) && typeof p.name === "string" && p.name in overrides ? deepMerge(p, overrides[p.name]) : p,
        );
    }
    if (problems.length > 0) {
        throw new ConfigError(`invalid stack configuration:\n  ${problems.join("\n  ")}`, problems);
    }

    // A problem inside a project is reported where its value was set: the stack's override, the
    // shared file, or the stack file that lists its own projects.
    const locate: Locate = (p) => {
        const [top, index, ...rest] = p;
        if (top === "projects" && typeof index === "number" && projects) {
            const name = (projects[index] as { name?: unknown } | undefined)?.name;
            const override = typeof name === "string" ? overrides[name] : undefined;
            // The override set the value when it holds the path itself, or a value above it that
            // replaced everything below (a list, a scalar); an object above it merged key by key,
            // so a sibling key's override says nothing about this one.
            for (let k = rest.length; k >= 1; k--) {
                const prefix = rest.slice(0, k);
                if (hasPath(override, prefix) && (k === rest.length || !isRecord(valueAtPath(override, prefix)))) {
                    return `${sourceOf("projectOverrides")}: ${formatKey(namespace, ["projectOverrides", String(name), ...rest])}`;
                }
            }
            // A key set nowhere (a required one missing) goes where its parent object comes from:
            // an object only the override declares is the override's.
            const parent = rest.slice(0, -1);
            if (parent.length > 0 && hasPath(override, parent) && !hasPath(projects[index], parent)) {
                return `${sourceOf("projectOverrides")}: ${formatKey(namespace, ["projectOverrides", String(name), ...rest])}`;
            }
        }
        if (top !== undefined && fromShared(String(top))) return `${SHARED_FILE}: ${formatKey("", p).slice(1)}`;
        return `${sourceOf(top === undefined ? "" : String(top))}: ${formatKey(namespace, p)}`;
    };
    return { settings: parseSettings(namespace, merged, sourceOf, locate), locate };
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

function valueAtPath(value: unknown, p: PropertyKey[]): unknown {
    let v = value;
    for (const k of p) v = isRecord(v) ? v[String(k)] : undefined;
    return v;
}

function hasPath(value: unknown, p: PropertyKey[]): boolean {
    let v = value;
    for (const k of p) {
        if (!isRecord(v) || !(String(k) in v)) return false;
        v = v[String(k)];
    }
    return true;
}

/**
 * An override merged into a shared definition: objects key by key, anything else (lists
 * included) replaced whole; `null` removes the key, so a stack can drop an optional setting.
 */
export function deepMerge(base: unknown, override: unknown): unknown {
    if (!isRecord(base) || !isRecord(override)) return override;
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(override)) {
        if (v === null) delete out[k];
        else out[k] = deepMerge(base[k], v);
    }
    return out;
}

/** The shared file's settings; none when there is no such file. */
export function readSharedFile(projectDir: string): Record<string, unknown> {
    const file = path.join(projectDir, SHARED_FILE);
    if (!fs.existsSync(file)) return {};
    const doc = parseDocument(fs.readFileSync(file, "utf8"), { prettyErrors: true });
    const yamlError = yamlProblem(SHARED_FILE, doc);
    if (yamlError) throw new ConfigError(`invalid stack configuration:\n  ${yamlError}`, [yamlError]);
    const value = doc.toJS() ?? {};
    if (!isRecord(value)) {
        const problem = `${SHARED_FILE}: expected a mapping of settings to values, found ${JSON.stringify(value)}`;
        throw new ConfigError(`invalid stack configuration:\n  ${problem}`, [problem]);
    }
    return value;
}

/**
 * Whether the engine marked a key secret. The SDK exports this function at run time but leaves it
 * out of its typings; without it a secret would be parsed, and leaked, like any other value.
 */
function isConfigSecret(key: string): boolean {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
    return runtime.isConfigSecret?.(key) ?? false;
}

function decode(key: string, value: string): unknown {
    if (isStringKey(key)) return value;
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}

/**
 * Names the file a key came from: the stack file when it sets the key (or when the key is missing,
 * since that is where it belongs), otherwise the project file, which holds the shared defaults.
 * The Pulumi CLI runs the program in the project folder, and so does the offline plan.
 */
export function stackFileSource(stack: string, namespace: string, projectDir = process.cwd()): SourceOf {
    const stackFile = `Pulumi.${stack}.yaml`;
    let stackKeys: Set<string> | undefined;
    return (key: string) => {
        if (stackKeys === undefined) stackKeys = readConfigKeys(path.join(projectDir, stackFile), namespace);
        if (stackKeys.has(key)) return stackFile;
        const projectKeys = readConfigKeys(path.join(projectDir, "Pulumi.yaml"), namespace);
        return projectKeys.has(key) ? "Pulumi.yaml" : stackFile;
    };
}

function readConfigKeys(file: string, namespace: string): Set<string> {
    try {
        const doc = parseYaml(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
        const keys = Object.keys(doc?.config ?? {});
        return new Set(keys.map((k) => (k.startsWith(`${namespace}:`) ? k.slice(namespace.length + 1) : k)));
    } catch {
        return new Set();
    }
}

/**
 * A ConfigError for one key found wrong after parsing (a check that needs the workspace, such as
 * a model version that does not exist), in the same format as the schema's errors.
 */
export function configProblem(keyPath: (string | number)[], message: string, locate?: Locate): ConfigError {
    const namespace = pulumi.getProject();
    const sourceOf = stackFileSource(pulumi.getStack(), namespace);
    const where = locate ? locate(keyPath) : `${sourceOf(String(keyPath[0]))}: ${formatKey(namespace, keyPath)}`;
    const problem = `${where}: ${message}`;
    return new ConfigError(`invalid stack configuration (1 problem):\n  ${problem}`, [problem]);
}
