import * as fs from "node:fs";
import * as path from "node:path";
import { isMap, isScalar, parseDocument } from "yaml";
import { DEVELOPER_STACK } from "../config/stackNames";
import { yamlProblem } from "../config/yaml";

/**
 * Reads a stack's configuration the way the Pulumi CLI hands it to the program: the project's
 * defaults from `Pulumi.yaml`, overridden key by key by `Pulumi.<stack>.yaml`, every value a
 * string (objects and lists as JSON). Secure values cannot be decrypted offline: they are
 * replaced with a placeholder and their keys are marked secret, so they print masked.
 */

export interface StackConfig {
    project: string;
    stack: string;
    /** `namespace:key` to the value as the engine passes it. */
    config: Record<string, string>;
    /** Keys holding secure values. */
    secretKeys: string[];
}

/** A problem with the plan's input files, reported without a stack trace. */
export class PlanInputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PlanInputError";
    }
}

/** What a secure value reads as offline. */
export const SECRET_PLACEHOLDER = "[secret]";

function readYaml(file: string): Record<string, unknown> {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        throw new PlanInputError(`${path.basename(file)}: cannot read ${file}`);
    }
    const doc = parseDocument(text, { prettyErrors: true });
    const yamlError = yamlProblem(path.basename(file), doc);
    if (yamlError) throw new PlanInputError(yamlError);
    const value = doc.toJS() ?? {};
    if (!isMap(doc.contents) && doc.contents !== null && !isScalar(doc.contents)) {
        throw new PlanInputError(`${path.basename(file)}: expected a mapping at the top level`);
    }
    if (typeof value !== "object" || Array.isArray(value)) {
        throw new PlanInputError(
            `${path.basename(file)}: expected a mapping at the top level, found ${JSON.stringify(value)}`,
        );
    }
    return value as Record<string, unknown>;
}

/** The stacks of a project: the names of its `Pulumi.<stack>.yaml` files. */
export function listStacks(projectDir: string): string[] {
    return fs
        .readdirSync(projectDir)
        .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/**
 * The stacks this repository ships (committed stack files): every stack but the developers' own
 * `dev-<name>` stacks, which `npm run dev-stack` writes and git ignores.
 */
export function shippedStacks(projectDir: string): string[] {
    return listStacks(projectDir).filter((s) => !DEVELOPER_STACK.test(s));
}

function qualify(project: string, key: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

/** The engine's string form of a config value. */
function encode(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** Replaces `{secure: ...}` values with the placeholder; reports whether any was found. */
function stripSecure(value: unknown): { value: unknown; secret: boolean } {
    if (value && typeof value === "object" && !Array.isArray(value)) {
        const keys = Object.keys(value);
        if (keys.length === 1 && keys[0] === "secure") return { value: SECRET_PLACEHOLDER, secret: true };
        let secret = false;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            const r = stripSecure(v);
            out[k] = r.value;
            secret ||= r.secret;
        }
        return { value: out, secret };
    }
    if (Array.isArray(value)) {
        const items = value.map(stripSecure);
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    return { value, secret: false };
}

export function readStackConfig(projectDir: string, stack: string): StackConfig {
    const projectFile = readYaml(path.join(projectDir, "Pulumi.yaml"));
    const project = projectFile.name;
    if (typeof project !== "string" || project === "") {
        throw new PlanInputError("Pulumi.yaml: name: expected the project name, found nothing");
    }
    const stackFileName = `Pulumi.${stack}.yaml`;
    if (!fs.existsSync(path.join(projectDir, stackFileName))) {
        const known = listStacks(projectDir);
        throw new PlanInputError(
            `${stackFileName}: no such stack file; the stacks of this project are ${known.length ? known.join(", ") : "(none)"}`,
        );
    }
    const stackFile = readYaml(path.join(projectDir, stackFileName));

    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const declared = projectFile.config ?? {};
    if (typeof declared !== "object" || Array.isArray(declared)) {
        throw new PlanInputError("Pulumi.yaml: config: expected a mapping of keys to declarations");
    }
    for (const [key, decl] of Object.entries(declared as Record<string, unknown>)) {
        // A typed declaration (`type`, `default`, ...) or a plain value.
        const isDeclaration = decl !== null && typeof decl === "object" && !Array.isArray(decl) && "type" in decl;
        const value = isDeclaration ? (decl as { default?: unknown }).default : decl;
        if (value !== undefined) config[qualify(project, key)] = encode(value);
    }

    const overrides = stackFile.config ?? {};
    if (typeof overrides !== "object" || Array.isArray(overrides)) {
        throw new PlanInputError(`${stackFileName}: config: expected a mapping of keys to values`);
    }
    for (const [key, raw] of Object.entries(overrides as Record<string, unknown>)) {
        if (!key.includes(":")) {
            throw new PlanInputError(
                `${stackFileName}: config: ${key}: expected a namespaced key such as ${project}:${key}`,
            );
        }
        const { value, secret } = stripSecure(raw);
        config[key] = encode(value);
        if (secret) secretKeys.push(key);
    }
    return { project, stack, config, secretKeys: secretKeys.sort() };
}
