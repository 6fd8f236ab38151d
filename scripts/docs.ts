import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import * as prettier from "prettier";
import { z } from "zod";
import { type Scope, settingsSchema } from "../config/schema";
import { scopeOf } from "../config/scopes";
import { runMain, strictUsage } from "../plan/usage";

/**
 * The docs that cannot go stale:
 * - `npm run docs:config` writes docs/configuration.md, the configuration reference, from the
 *   zod schema (config/schema.ts): every key with its type, default, scope and description.
 * - `npm run docs:update` does that, and rewrites every checked example output of README.md and
 *   docs/*.md: a fenced block right after a line `<!-- output: <command> -->` holds what the
 *   command prints (stdout and stderr, run in this folder with NO_COLOR=1), normalised.
 * tests/docs.test.ts fails when either is stale.
 */

const ROOT = path.resolve(__dirname, "..");
export const CONFIG_REFERENCE = path.join(ROOT, "docs", "configuration.md");

type Def = {
    type: string;
    innerType?: z.core.$ZodType;
    in?: z.core.$ZodType;
    element?: z.core.$ZodType;
    valueType?: z.core.$ZodType;
    shape?: Record<string, z.core.$ZodType>;
    entries?: Record<string, string>;
    defaultValue?: unknown;
    format?: string;
};

const defOf = (s: z.core.$ZodType) => s._zod.def as unknown as Def;

function metaOf(s: z.core.$ZodType): { description?: string } {
    return (z.globalRegistry.get(s) as { description?: string } | undefined) ?? {};
}

/** A schema's description, looking through its wrappers (optional, default, pipe). */
function descriptionOf(schema: z.core.$ZodType): string | undefined {
    for (let s: z.core.$ZodType | undefined = schema; s;) {
        const d = metaOf(s).description;
        if (d) return d;
        const def = defOf(s);
        s = ["optional", "default", "nullable"].includes(def.type)
            ? def.innerType
            : def.type === "pipe"
              ? def.in
              : undefined;
    }
    return undefined;
}

/** What a schema holds, in words, with its default and whether it may be left out. */
function describe(schema: z.core.$ZodType): {
    type: string;
    default?: unknown;
    optional: boolean;
    inner: z.core.$ZodType;
} {
    let s = schema;
    let optional = false;
    let dflt: unknown;
    for (;;) {
        const def = defOf(s);
        if (def.type === "optional" || def.type === "nullable") {
            optional = true;
            s = def.innerType as z.core.$ZodType;
        } else if (def.type === "default") {
            dflt = def.defaultValue;
            optional = true;
            s = def.innerType as z.core.$ZodType;
        } else if (def.type === "pipe") {
            s = def.in as z.core.$ZodType;
        } else break;
    }
    return { type: typeName(s), default: dflt, optional, inner: s };
}

function typeName(schema: z.core.$ZodType): string {
    const def = defOf(schema);
    switch (def.type) {
        case "string":
            return def.format === "email" ? "email address" : "string";
        case "number":
            return def.format === "safeint" || (schema as unknown as { format?: string }).format === "safeint"
                ? "integer"
                : "number";
        case "boolean":
            return "boolean";
        case "enum":
            return `one of ${Object.values(def.entries ?? {})
                .map((v) => `\`${v}\``)
                .join(", ")}`;
        case "array":
            return `list of ${plural(describe(def.element as z.core.$ZodType).type)}`;
        case "record": {
            const value = describe(def.valueType as z.core.$ZodType).type;
            return `map of names to ${value.startsWith("map of") ? "objects" : plural(value)}`;
        }
        case "object":
            return "object";
        case "custom":
            return "string or number";
        case "unknown":
            return "any value";
        default:
            return def.type;
    }
}

function plural(type: string): string {
    if (type === "object") return "objects";
    if (type.startsWith("one of ")) return type;
    return /s$/.test(type) ? type : `${type}s`;
}

/** One row of the reference. */
export interface Row {
    key: string;
    type: string;
    default: string;
    scope: string;
    description: string;
}

function formatDefault(d: { default?: unknown; optional: boolean }): string {
    if (d.default !== undefined) {
        const v = d.default;
        const empty =
            (Array.isArray(v) && v.length === 0) ||
            (v !== null && typeof v === "object" && Object.keys(v).length === 0);
        return empty ? (Array.isArray(v) ? "`[]`" : "`{}`") : `\`${JSON.stringify(v)}\``;
    }
    return d.optional ? "(none)" : "**required**";
}

/** The rows of an object schema's fields, and of the fields of the objects inside them. */
export function rows(
    schema: z.core.$ZodType,
    prefix: string,
    inherited: Scope | undefined,
    skip: string[] = [],
): Row[] {
    const d = describe(schema);
    const shape = defOf(d.inner).shape ?? {};
    return Object.entries(shape)
        .filter(([key]) => !skip.includes(key))
        .flatMap(([key, field]) => {
            const f = describe(field);
            const scope = scopeOf(field) ?? inherited;
            const name = `${prefix}${key}`;
            const row: Row = {
                key: `\`${name}\``,
                type: f.type,
                default: formatDefault(f),
                scope: scope ?? "(per key below)",
                description: descriptionOf(field) ?? "",
            };
            const innerDef = defOf(f.inner);
            if (innerDef.type === "object") return [row, ...rows(field, `${name}.`, scope)];
            if (
                innerDef.type === "array" &&
                defOf(describe(innerDef.element as z.core.$ZodType).inner).type === "object"
            )
                return [row, ...rows(innerDef.element as z.core.$ZodType, `${name}[].`, scope)];
            return [row];
        });
}

function table(list: Row[]): string {
    const cell = (s: string) => s.replace(/\|/g, "\\|");
    return [
        "| Key | Type | Default | Scope | Description |",
        "| --- | --- | --- | --- | --- |",
        ...list.map((r) => `| ${[r.key, r.type, r.default, r.scope, r.description].map(cell).join(" | ")} |`),
    ].join("\n");
}

const HEADER = `# Configuration reference

<!-- Generated by \`npm run docs:config\` from config/schema.ts; do not edit by hand (tests/docs.test.ts fails when it is stale). -->

Every setting a stack reads, generated from the zod schema the program checks the configuration
with (\`config/schema.ts\`: each field's description and scope). To change this page, change the
schema's \`.meta(...)\`/\`.describe(...)\` and run \`npm run docs:config\`.

**Where a setting goes.** A stack setting is a key of the program's config namespace (the
\`name\` in Pulumi.yaml) in \`Pulumi.<stack>.yaml\` (\`pulumi config set <namespace>:<key>\`), a default
for every stack in Pulumi.yaml, or, for a value that is an object, in \`shared.yaml\` beside
Pulumi.yaml (key without the namespace). A project setting is a key of one entry of \`projects\` in
\`shared.yaml\`; a stack changes it with \`<namespace>:projectOverrides\` in its stack file: objects
merge key by key, lists and values replace, \`null\` removes a key. Every object is strict: a
misspelt key is an error (with a "did you mean"), reported with the file and key that set it.

**Scope.** \`promotable\`: how a project runs (runtime, sizes, crons, thresholds); tried in dev,
then copied to prod with \`npm run promote -- --from dev --to prod --write\`. \`environment\`:
where and as whom it runs (catalog, mode, run-as, names, served versions, pause states); never
promoted.

**Default.** \`**required**\`: the stack has no value unless it sets one (Pulumi.yaml may declare a
default for every stack); inside an object, required when the object is set. \`(none)\`: left out
unless set, with the behaviour the description says.

**Checked example outputs.** A fenced block right after a line
\`<!-- output: <command> -->\` in README.md or docs/*.md holds what that command prints (stdout and
stderr, run in the repository folder with \`NO_COLOR=1\`; trailing spaces and the checkout's path
normalised). \`npm test\` fails when a block differs from the command's output; \`npm run docs:update\`
rewrites every block (and this page). For example, the message for a name the config refuses:

<!-- output: npm run -s new-project -- Fraud -->
\`\`\`text
\`\`\`
`;

/** The configuration reference, as docs/configuration.md holds it (formatted as Prettier leaves it). */
export async function configReference(): Promise<string> {
    const shape = defOf(settingsSchema).shape ?? {};
    const project = describe(defOf(describe(shape.projects).inner).element as z.core.$ZodType).inner;
    const text = [
        HEADER,
        "## Stack settings",
        "",
        table(rows(settingsSchema, "", undefined, ["projects"])),
        "",
        "## Project settings",
        "",
        `\`projects\`: ${descriptionOf(shape.projects) ?? ""} Each entry:`,
        "",
        table(rows(project, "", undefined)),
        "",
    ].join("\n");
    const config = (await prettier.resolveConfig(CONFIG_REFERENCE)) ?? {};
    const formatted = await prettier.format(text, { ...config, filepath: CONFIG_REFERENCE });
    // The example blocks are filled by `docs:update`; keep what the file holds now.
    return fs.existsSync(CONFIG_REFERENCE)
        ? carryOutputs(fs.readFileSync(CONFIG_REFERENCE, "utf8"), formatted)
        : formatted;
}

/** One checked example output: the command and where its block's content lies in the text. */
export interface OutputBlock {
    command: string;
    /** Offsets of the block's content (between the fences) in the text. */
    start: number;
    end: number;
    content: string;
}

const MARKER = /^<!-- output: (.+) -->$/;

/** The checked example outputs of a Markdown text; a marker inside a fenced block is an example, not one. */
export function outputBlocks(text: string): OutputBlock[] {
    const lines = text.split("\n");
    const offsets: number[] = [];
    let at = 0;
    for (const line of lines) {
        offsets.push(at);
        at += line.length + 1;
    }
    const blocks: OutputBlock[] = [];
    let fence: string | undefined;
    for (let i = 0; i < lines.length; i++) {
        const open = /^(`{3,}|~{3,})/.exec(lines[i]);
        if (fence) {
            if (closes(lines[i], fence)) fence = undefined;
            continue;
        }
        if (open) {
            fence = open[1];
            continue;
        }
        const m = MARKER.exec(lines[i]);
        if (!m) continue;
        // The block follows the marker, after blank lines (Prettier puts one there).
        let k = i + 1;
        while (k < lines.length && lines[k].trim() === "") k++;
        const opening = /^(`{3,}|~{3,})/.exec(lines[k] ?? "");
        if (!opening) continue;
        const f = opening[1];
        let j = k + 1;
        while (j < lines.length && !closes(lines[j], f)) j++;
        const start = offsets[k + 1];
        const end = j < lines.length ? offsets[j] : text.length;
        blocks.push({ command: m[1].trim(), start, end, content: text.slice(start, end) });
        i = j;
    }
    return blocks;
}

/** Whether a line closes a fenced block opened with `fence`: the same character, as many or more, alone. */
function closes(line: string, fence: string): boolean {
    return new RegExp(`^${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`).test(line);
}

/** The blocks of `to` filled with the contents of the same commands' blocks in `from`. */
function carryOutputs(from: string, to: string): string {
    const old = new Map(outputBlocks(from).map((b) => [b.command, b.content]));
    return replaceBlocks(to, (b) => old.get(b.command) ?? b.content);
}

function replaceBlocks(text: string, content: (b: OutputBlock) => string): string {
    let out = text;
    for (const b of outputBlocks(text).reverse()) out = out.slice(0, b.start) + content(b) + out.slice(b.end);
    return out;
}

/** What a command prints, as a checked block holds it: no colour, no trailing spaces, this checkout's path as `.`. */
export function commandOutput(command: string): string {
    const r = spawnSync("bash", ["-c", `${command} 2>&1`], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 600_000,
    });
    // eslint-disable-next-line no-control-regex
    const text = (r.stdout ?? "").replace(/\x1b\[[0-9;]*m/g, "").replaceAll(ROOT, ".");
    const lines = text.split("\n").map((l) => l.trimEnd());
    while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

/** README.md and docs/*.md: the files whose example outputs are checked. */
export function checkedFiles(): string[] {
    const docs = path.join(ROOT, "docs");
    const pages = fs.existsSync(docs)
        ? fs
              .readdirSync(docs)
              .filter((f) => f.endsWith(".md"))
              .sort()
              .map((f) => path.join(docs, f))
        : [];
    return [path.join(ROOT, "README.md"), ...pages].filter((f) => fs.existsSync(f));
}

/** A file's text with every checked block holding its command's output now. */
export function withOutputs(text: string, run: (command: string) => string = commandOutput): string {
    const outputs = new Map<string, string>();
    return replaceBlocks(text, (b) => {
        if (!outputs.has(b.command)) outputs.set(b.command, run(b.command));
        return outputs.get(b.command) as string;
    });
}

async function main(argv: string[]): Promise<number> {
    const cli = new Command()
        .name("docs")
        .description("Generate the configuration reference and the checked example outputs of the docs.")
        .argument("<what>", "config: docs/configuration.md; update: it and every example output")
        .action(() => undefined);
    strictUsage(cli, "npm run docs:update --").parse(argv);
    const what = cli.args[0];
    if (what !== "config" && what !== "update") {
        process.stderr.write(`error: <what>: expected config or update, found "${what}"\n`);
        return 2;
    }
    fs.mkdirSync(path.dirname(CONFIG_REFERENCE), { recursive: true });
    fs.writeFileSync(CONFIG_REFERENCE, await configReference());
    process.stdout.write(`wrote ${path.relative(ROOT, CONFIG_REFERENCE)}\n`);
    if (what === "update") {
        for (const file of checkedFiles()) {
            const text = fs.readFileSync(file, "utf8");
            const updated = withOutputs(text);
            if (updated !== text) {
                fs.writeFileSync(file, updated);
                process.stdout.write(`updated the example outputs of ${path.relative(ROOT, file)}\n`);
            }
        }
    }
    return 0;
}

if (require.main === module) runMain(() => main(process.argv));
