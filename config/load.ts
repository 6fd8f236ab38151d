import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { distance } from "fastest-levenshtein";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { type Settings, settingsSchema } from "./schema";

/**
 * A stack configuration the program refuses. It is a `pulumi.RunError`, so `pulumi up` prints the
 * message alone, without a stack trace, and the offline plan does the same.
 */
export class ConfigError extends pulumi.RunError {
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

/**
 * Parses the raw values of the project's config namespace (keys without the namespace) into typed
 * settings, or throws a ConfigError listing every problem with its file, key path, what was
 * expected and what was found.
 */
export function parseSettings(namespace: string, raw: Record<string, unknown>, sourceOf: SourceOf): Settings {
    const result = settingsSchema.safeParse(raw, { reportInput: true });
    if (result.success) return result.data;
    const problems = result.error.issues.flatMap((issue) => describeIssue(namespace, issue, sourceOf));
    throw new ConfigError(
        `invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${problems.join("\n  ")}`,
        problems,
    );
}

function describeIssue(namespace: string, issue: z.core.$ZodIssue, sourceOf: SourceOf): string[] {
    const [top] = issue.path;
    const file = sourceOf(top === undefined ? "" : String(top));
    const at = (p: PropertyKey[]) => `${file}: ${formatKey(namespace, p)}`;
    switch (issue.code) {
        case "unrecognized_keys":
            return issue.keys.map(
                (k) =>
                    `${at([...issue.path, k])}: unknown key; expected ${expectedKeys(issue.path)}, found "${k}" (check the spelling)`,
            );
        case "invalid_type":
            return [`${at(issue.path)}: expected ${issue.expected}, found ${describeValue(issue.input)}`];
        case "invalid_value":
            return [
                `${at(issue.path)}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, found ${describeValue(issue.input)}`,
            ];
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

/** The keys the schema allows at a path, for an unknown-key message. */
function expectedKeys(p: PropertyKey[]): string {
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
    return shape ? `one of ${Object.keys(shape).join(", ")}` : "no such key";
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
 * Reads the program's settings from the Pulumi config the engine (or the offline plan) gives it.
 * Values arrive as strings: objects and lists as JSON, scalars as text.
 */
export function loadSettings(): Settings {
    const namespace = pulumi.getProject();
    const stack = pulumi.getStack();
    const all = pulumi.runtime.allConfig();
    const raw: Record<string, unknown> = {};
    const problems: string[] = [];
    const sourceOf = stackFileSource(stack, namespace);
    for (const [fullKey, value] of Object.entries(all)) {
        const sep = fullKey.indexOf(":");
        const keyNamespace = fullKey.slice(0, sep);
        if (keyNamespace !== namespace) {
            // Other namespaces belong to the providers this program uses, or to Pulumi; any other
            // is a key nothing reads (`mlops:tags` would be dropped without a word).
            if (!OTHER_NAMESPACES.includes(keyNamespace)) {
                const expected = [namespace, ...OTHER_NAMESPACES].join(", ");
                const hint =
                    distance(keyNamespace, namespace) <= 2
                        ? ` (did you mean ${namespace}:${fullKey.slice(sep + 1)}?)`
                        : "";
                problems.push(
                    `${sourceOf(fullKey.slice(sep + 1))}: ${fullKey}: unknown namespace; expected one of ${expected}, found "${keyNamespace}"${hint}`,
                );
            }
            continue;
        }
        const key = fullKey.slice(sep + 1);
        if (isConfigSecret(fullKey)) {
            problems.push(
                `${sourceOf(key)}: ${fullKey}: expected a plain value (this program's settings are not secrets; credentials belong in the provider's config, such as databricks:token), found a secret`,
            );
            continue;
        }
        raw[key] = decode(key, value);
    }
    if (problems.length > 0) {
        throw new ConfigError(`invalid stack configuration:\n  ${problems.join("\n  ")}`, problems);
    }
    return parseSettings(namespace, raw, sourceOf);
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
export function configProblem(keyPath: (string | number)[], message: string): ConfigError {
    const namespace = pulumi.getProject();
    const sourceOf = stackFileSource(pulumi.getStack(), namespace);
    const problem = `${sourceOf(String(keyPath[0]))}: ${formatKey(namespace, keyPath)}: ${message}`;
    return new ConfigError(`invalid stack configuration (1 problem):\n  ${problem}`, [problem]);
}
