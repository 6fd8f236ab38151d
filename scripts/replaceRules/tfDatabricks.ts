/**
 * The replace-on-change attributes of terraform-provider-databricks resources, read from a checkout
 * of its Go source (no Go toolchain: a scanner of the forms the provider uses). For a resource
 * `databricks_x` it finds the registering function (SDKv2 `internal/providers/sdkv2/resources.go`,
 * or a plugin-framework resource migrated in `internal/providers/pluginfw`) and collects:
 *
 * - `ForceNew: true` in `map[string]*schema.Schema` literals (nested through `Elem: &schema.Resource{...}`),
 *   also `s[key] = &schema.Schema{ForceNew: true}` with keys from a `for ... range` over a map or a list;
 * - struct tags `tf:"force_new"` on the struct given to `common.StructToSchema` and the structs it nests
 *   (embedded structs flattened, `tf:"alias:x"` honoured);
 * - `m["x"].ForceNew = true`, `common.MustSchemaPath(m, ...).ForceNew = true`,
 *   `common.CustomizeSchemaPath(m, ...)...SetForceNew()`, `s.SchemaPath(...)...SetForceNew()`;
 * - `common.NamespaceCustomizeDiff` / `NamespaceCustomizeSchemaMapImmutable` (a change of
 *   `provider_config.workspace_id` replaces), and `d.ForceNew("x")` in a CustomizeDiff (conditional);
 * - plugin framework: `RequiresReplace` plan modifiers in `ApplySchemaCustomizations` of the resource's
 *   structs, and the `provider_config.workspace_id` RequiresReplaceIf of namespaced resources.
 *
 * Paths are TF attribute paths (`config.auto_capture_config.catalog_name`).
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface TfRules {
    tfName: string;
    /** Where the schema is defined, relative to the checkout. */
    files: string[];
    forceNew: string[];
    /** `d.ForceNew(...)` in a CustomizeDiff: replaces only under a condition the code decides at plan time. */
    conditional: string[];
}

const MODULE = "github.com/databricks/terraform-provider-databricks/";

function goFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".go") && !f.endsWith("_test.go"))
        .sort()
        .map((f) => path.join(dir, f));
}

/** The text from `open` (an index of `{` or `(`) to its matching closer, both included. */
export function balanced(text: string, open: number): string {
    const o = text[open];
    const c = o === "{" ? "}" : o === "(" ? ")" : "]";
    let depth = 0;
    for (let i = open; i < text.length; i++) {
        const ch = text[i];
        if (ch === "`" || ch === '"') {
            const end = text.indexOf(ch, i + 1);
            if (ch === '"') {
                let j = i + 1;
                while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
                i = j;
            } else i = end < 0 ? text.length : end;
            continue;
        }
        if (ch === "/" && text[i + 1] === "/") {
            const nl = text.indexOf("\n", i);
            i = nl < 0 ? text.length : nl;
            continue;
        }
        if (ch === o) depth++;
        else if (ch === c) {
            depth--;
            if (depth === 0) return text.slice(open, i + 1);
        }
    }
    return text.slice(open);
}

function stripComments(text: string): string {
    return text.replace(/^\s*\/\/.*$/gm, "");
}

export class GoPackage {
    readonly files: string[];
    readonly text: string;
    readonly imports = new Map<string, string>();
    constructor(
        readonly root: string,
        readonly dir: string,
    ) {
        this.files = goFiles(path.join(root, dir));
        this.text = stripComments(this.files.map((f) => fs.readFileSync(f, "utf8")).join("\n"));
        for (const m of this.text.matchAll(/^\s*(?:(\w+)\s+)?"([^"]+)"\s*$/gm)) {
            const importPath = m[2];
            const alias = m[1] ?? importPath.split("/").pop() ?? importPath;
            if (importPath.startsWith(MODULE)) this.imports.set(alias, importPath.slice(MODULE.length));
        }
    }
    /** The body of `func Name(` or `func (r Recv) Name(` declared here. */
    func(name: string, receiver?: string): string | undefined {
        const re = receiver ? new RegExp(`func \\(\\w+ \\*?${receiver}\\) ${name}\\(`) : new RegExp(`func ${name}\\(`);
        const m = re.exec(this.text);
        if (!m) return undefined;
        const open = this.text.indexOf("{\n", m.index);
        return open < 0 ? undefined : balanced(this.text, open);
    }
    /** The initializer of `var name = ...` (one expression). */
    variable(name: string): string | undefined {
        const m = new RegExp(`var ${name}\\s*=\\s*`).exec(this.text);
        if (!m) return undefined;
        let i = m.index + m[0].length;
        while (i < this.text.length && this.text[i] !== "(" && this.text[i] !== "{" && this.text[i] !== "\n") i++;
        return this.text.slice(m.index, i) + (this.text[i] === "\n" ? "" : balanced(this.text, i));
    }
    /** The field list of `type Name struct {...}`. */
    struct(name: string): string | undefined {
        const m = new RegExp(`type ${name} struct \\{`).exec(this.text);
        return m ? balanced(this.text, m.index + m[0].length - 1) : undefined;
    }
}

export class Source {
    private readonly packages = new Map<string, GoPackage>();
    constructor(readonly root: string) {}
    pkg(dir: string): GoPackage {
        let p = this.packages.get(dir);
        if (!p) {
            p = new GoPackage(this.root, dir);
            this.packages.set(dir, p);
        }
        return p;
    }
}

export function stringArgs(args: string): string[] {
    return [...args.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
}

/** The rest of a chained statement that starts at `from` (continuation lines start or end with `.`). */
export function chain(text: string, from: number): string {
    let end = from;
    for (;;) {
        const nl = text.indexOf("\n", end);
        if (nl < 0) return text.slice(from);
        const line = text.slice(end, nl).trimEnd();
        const next = text.slice(nl + 1, text.indexOf("\n", nl + 1) < 0 ? undefined : text.indexOf("\n", nl + 1));
        if (line.endsWith(".") || line.endsWith("(") || line.endsWith(",") || next.trimStart().startsWith(".")) {
            end = nl + 1;
            continue;
        }
        return text.slice(from, nl);
    }
}

/** Keys of `for k := range X` / `for _, v := range X` when the loop assigns `s[k]` or `s[v.field]`. */
export function rangeKeys(src: Source, pkg: GoPackage, text: string, at: number, keyExpr: string): string[] {
    const before = text.slice(0, at);
    const loops = [...before.matchAll(/for\s+(\w+)(?:,\s*(\w+))?\s*:=\s*range\s+([\w.]+)(\(\))?\s*\{/g)];
    const [base, field] = keyExpr.split(".");
    const loop = loops.reverse().find((l) => l[1] === base || l[2] === base);
    if (!loop) return [];
    const ranged = loop[3];
    let owner = pkg;
    let name = ranged;
    if (ranged.includes(".")) {
        const [alias, rest] = ranged.split(".");
        const dir = pkg.imports.get(alias);
        if (!dir) return [];
        owner = src.pkg(dir);
        name = rest;
    }
    const def = loop[4] ? owner.func(name) : owner.variable(name);
    if (!def) return [];
    if (field) return [...def.matchAll(new RegExp(`\\b${field}:\\s*"(\\w+)"`, "g"))].map((m) => m[1]);
    // Keys of a map literal: `"name": ` at the literal's first level.
    const open = def.indexOf("{", def.indexOf("map["));
    const body = balanced(def, def.indexOf("{", open + 1) > 0 ? open : open);
    const keys: string[] = [];
    let depth = 0;
    for (let i = 0; i < body.length; i++) {
        const ch = body[i];
        if (ch === "{") depth++;
        else if (ch === "}") depth--;
        else if (ch === '"' && depth === 1) {
            const end = body.indexOf('"', i + 1);
            const key = body.slice(i + 1, end);
            if (/^\s*:/.test(body.slice(end + 1))) keys.push(key);
            i = end;
        }
    }
    return keys;
}

/** The attributes an entry of a schema map literal sets at its own level (not inside its `Elem`): name -> value text. */
export function ownFields(entry: string): Map<string, string> {
    const out = new Map<string, string>();
    let depth = 0;
    for (let i = 0; i < entry.length; i++) {
        const ch = entry[i];
        if (ch === "{" || ch === "(" || ch === "[") depth++;
        else if (ch === "}" || ch === ")" || ch === "]") depth--;
        else if (ch === '"' || ch === "`") {
            // Skip string literals, so that a `:` or a brace inside one counts for nothing.
            let j = i + 1;
            while (j < entry.length && entry[j] !== ch) j += entry[j] === "\\" && ch === '"' ? 2 : 1;
            i = j;
        } else if (depth === 1 && /[A-Z]/.test(ch) && /[\s{,]/.test(entry[i - 1] ?? "")) {
            const m = /^([A-Z]\w*):\s*/.exec(entry.slice(i));
            if (!m) continue;
            const start = i + m[0].length;
            let end = start;
            let d = 0;
            for (; end < entry.length; end++) {
                const c = entry[end];
                if (c === "{" || c === "(" || c === "[") d++;
                else if (c === "}" || c === ")" || c === "]") {
                    if (d === 0) break;
                    d--;
                } else if (c === '"') {
                    let j = end + 1;
                    while (j < entry.length && entry[j] !== '"') j += entry[j] === "\\" ? 2 : 1;
                    end = j;
                } else if ((c === "," || c === "\n") && d === 0) break;
            }
            out.set(m[1], entry.slice(start, end).trim());
            i = end - 1;
        }
    }
    return out;
}

/**
 * Visits each `"key": {...}` / `"key": &schema.Schema{...}` entry of a schema map literal body, and
 * the entries of its nested `Elem: &schema.Resource{Schema: ...}`, with its TF attribute path.
 */
export function schemaLiteral(body: string, prefix: string, visit: (path: string, entry: string) => void): void {
    const re = /"(\w+)":\s*(?:&schema\.Schema)?\{/g;
    let depth = 0;
    let last = 0;
    for (let m = re.exec(body); m; m = re.exec(body)) {
        for (let i = last; i < m.index; i++) depth += body[i] === "{" ? 1 : body[i] === "}" ? -1 : 0;
        last = m.index;
        if (depth !== 1) continue;
        const entry = balanced(body, m.index + m[0].length - 1);
        re.lastIndex = m.index + m[0].length - 1 + entry.length;
        last = re.lastIndex;
        const p = prefix + m[1];
        visit(p, entry);
        const elem = /Elem:\s*&schema\.Resource\{\s*Schema:\s*map\[string\]\*schema\.Schema\{/.exec(entry);
        if (elem) schemaLiteral(balanced(entry, elem.index + elem[0].length - 1), `${p}.`, visit);
    }
}

function forceNewEntries(body: string, prefix: string, out: Set<string>): void {
    schemaLiteral(body, prefix, (p, entry) => {
        if (ownFields(entry).get("ForceNew") === "true") out.add(p);
    });
}

export function tagValue(tags: string, key: string): string | undefined {
    return new RegExp(`${key}:"([^"]*)"`).exec(tags)?.[1];
}

/**
 * Visits the fields of a struct given to `common.StructToSchema` and of the structs it nests (same
 * checkout only: a type of another module, the Go SDK, has no `tf` tags): each field's TF attribute
 * path (embedded structs flattened, `tf:"alias:x"` honoured) and its `tf` tag.
 */
export function walkStruct(
    src: Source,
    pkg: GoPackage,
    typeName: string,
    prefix: string,
    visit: (path: string, tf: string) => void,
    files: Set<string>,
    seen: Set<string> = new Set(),
    depth = 0,
): void {
    let owner = pkg;
    let name = typeName;
    if (typeName.includes(".")) {
        const [alias, rest] = typeName.split(".");
        const dir = pkg.imports.get(alias);
        if (!dir) return; // a type of another module (the Go SDK): no tf tags there
        owner = src.pkg(dir);
        name = rest;
    }
    const key = `${owner.dir}.${name}@${prefix}`;
    if (seen.has(key) || depth > 8) return;
    seen.add(key);
    const body = owner.struct(name);
    if (!body) return;
    files.add(owner.dir);
    for (const line of body.slice(1, -1).split("\n")) {
        const m = /^\s*(\w+)?\s*([\w.*[\]]+)\s*(`[^`]*`)?\s*$/.exec(line);
        if (!m) continue;
        const tags = m[3] ?? "";
        const json = tagValue(tags, "json");
        const tf = tagValue(tags, "tf") ?? "";
        if (json === "-") continue;
        const embedded = !m[1] || (m[1] && !m[3] && !m[2]);
        const type = m[1] ? m[2] : (m[2] ?? "");
        const baseType = type.replace(/^(\[\]|\*|map\[string\])+/, "");
        if (!m[1]) {
            // An embedded struct: its fields are flattened into this level.
            walkStruct(src, owner, baseType, prefix, visit, files, seen, depth + 1);
            continue;
        }
        if (embedded || !json) continue;
        const alias = /(?:^|,)alias:(\w+)/.exec(tf)?.[1];
        const fieldName = alias ?? json.split(",")[0];
        if (!fieldName) continue;
        const p = prefix + fieldName;
        visit(p, tf);
        if (/^[A-Z]|\./.test(baseType)) walkStruct(src, owner, baseType, `${p}.`, visit, files, seen, depth + 1);
    }
}

/** `tf:"force_new"` on the fields of a struct and the structs it nests. */
function structForceNew(src: Source, pkg: GoPackage, typeName: string, out: Set<string>, files: Set<string>): void {
    walkStruct(
        src,
        pkg,
        typeName,
        "",
        (p, tf) => {
            if (/(?:^|,)force_new(?:,|$)/.test(tf)) out.add(p);
        },
        files,
    );
}

/** ForceNew markers in the text of a schema definition (customization callbacks, literals, assignments). */
function scanText(src: Source, pkg: GoPackage, text: string, out: Set<string>, conditional: Set<string>): void {
    for (const m of text.matchAll(/(?:CustomizeSchemaPath\(\s*\w+,|\.SchemaPath\()\s*([^)]*)\)/g)) {
        if (/SetForceNew\(\)/.test(chain(text, m.index))) out.add(stringArgs(m[1]).join("."));
    }
    for (const m of text.matchAll(/MustSchemaPath\(\s*\w+,\s*([^)]*)\)\.ForceNew\s*=\s*true/g)) {
        out.add(stringArgs(m[1]).join("."));
    }
    for (const m of text.matchAll(
        /\w+\["(\w+)"\]((?:\.Elem\.\(\*schema\.Resource\)\.Schema\["\w+"\])*)\.ForceNew\s*=\s*true/g,
    )) {
        out.add([m[1], ...stringArgs(m[2])].join("."));
    }
    for (const m of text.matchAll(/\w+\[(\w+(?:\.\w+)?)\]\s*=\s*&schema\.Schema\{/g)) {
        const lit = balanced(text, m.index + m[0].length - 1);
        if (!/ForceNew:\s*true/.test(lit)) continue;
        for (const k of rangeKeys(src, pkg, text, m.index, m[1])) out.add(k);
    }
    for (const m of text.matchAll(/map\[string\]\*schema\.Schema\{/g)) {
        const before = text.slice(Math.max(0, m.index - 60), m.index);
        if (/Elem:\s*&schema\.Resource\{\s*Schema:\s*$/.test(before)) continue; // reached through its parent entry
        forceNewEntries(balanced(text, m.index + m[0].length - 1), "", out);
    }
    for (const m of text.matchAll(/\bd\.ForceNew\("(\w+)"\)/g)) conditional.add(m[1]);
    if (/common\.NamespaceCustomizeDiff\(|NamespaceCustomizeSchemaMapImmutable\(/.test(text)) {
        out.add("provider_config.workspace_id");
    }
}

/** The functions and variables the resource's definition uses for its schema (one level deep, same package). */
export function schemaTexts(pkg: GoPackage, body: string): string[] {
    const texts = [body];
    for (const m of body.matchAll(/Schema:\s*(\w+),/g)) {
        const v = pkg.variable(m[1]);
        if (v) texts.push(v);
    }
    for (const m of body.matchAll(/\b([A-Za-z]\w*)\(/g)) {
        const f = pkg.func(m[1]);
        if (
            f &&
            /map\[string\]\*schema\.Schema/.test(
                pkg.text.slice(pkg.text.indexOf(`func ${m[1]}(`), pkg.text.indexOf(`func ${m[1]}(`) + 200),
            ) &&
            m[1] !== "StructToSchema"
        ) {
            texts.push(f);
        }
    }
    return texts;
}

export function sdkv2Registration(src: Source, tfName: string): { pkg: GoPackage; func: string } | undefined {
    const reg = src.pkg("internal/providers/sdkv2");
    const funcs = [...reg.text.matchAll(/func (\w*Resources)\(\) map\[string\]\*schema\.Resource \{/g)].filter(
        (m) => !/DataSources/.test(m[1]),
    );
    for (const f of funcs) {
        const body = balanced(reg.text, reg.text.indexOf("{", f.index + f[0].length - 2));
        const m = new RegExp(`"${tfName}":\\s*(\\w+)\\.(\\w+)\\(\\)\\.ToResource\\(\\)`).exec(body);
        if (m) {
            const dir = reg.imports.get(m[1]);
            if (dir) return { pkg: src.pkg(dir), func: m[2] };
        }
    }
    return undefined;
}

/** A plugin-framework resource that replaces its SDKv2 twin (`migratedResources`), or exists only there. */
export function pluginFwResource(src: Source, tfName: string): GoPackage | undefined {
    const products = path.join(src.root, "internal/providers/pluginfw/products");
    const short = tfName.replace(/^databricks_/, "");
    const rollout = src.pkg("internal/providers/pluginfw");
    const migrated = /var migratedResources = \[\]func\(\) resource\.Resource\{([^}]*)\}/.exec(rollout.text)?.[1] ?? "";
    for (const dir of fs.readdirSync(products).sort()) {
        const pkg = src.pkg(`internal/providers/pluginfw/products/${dir}`);
        const name = /const resourceName(?:\s+string)?\s*=\s*"(\w+)"/.exec(pkg.text)?.[1];
        if (name !== short) continue;
        if (migrated.includes(`${dir}.`) || !sdkv2Registration(src, tfName)) return pkg;
    }
    return undefined;
}

function pluginFwRules(src: Source, pkg: GoPackage, out: Set<string>, files: Set<string>): void {
    files.add(pkg.dir);
    const root = /ResourceStructToSchemaMap\(ctx,\s*(\w+)\{\}/.exec(pkg.text)?.[1];
    const seen = new Set<string>();
    const visit = (owner: GoPackage, name: string): void => {
        if (seen.has(`${owner.dir}.${name}`)) return;
        seen.add(`${owner.dir}.${name}`);
        const body = owner.struct(name);
        if (!body) return;
        files.add(owner.dir);
        const custom = owner.func("ApplySchemaCustomizations", name) ?? "";
        for (const m of custom.matchAll(/attrs\["(\w+)"\]\s*=\s*attrs\["\w+"\][^\n]*RequiresReplace\b/g)) out.add(m[1]);
        for (const line of body.slice(1, -1).split("\n")) {
            const emb = /^\s*([\w.]+)\s*$/.exec(line);
            if (!emb) continue;
            if (/Namespace/.test(emb[1])) out.add("provider_config.workspace_id");
            const [alias, rest] = emb[1].includes(".") ? emb[1].split(".") : ["", emb[1]];
            const dir = alias ? owner.imports.get(alias) : owner.dir;
            if (dir) visit(src.pkg(dir), rest);
        }
    };
    if (root) visit(pkg, root);
    for (const m of pkg.text.matchAll(/\bc\.SetForceNew\(([^)]*)\)|\.AddPlanModifier\(\w+\.RequiresReplace\(\)\)/g)) {
        if (m[1]) out.add(stringArgs(m[1]).join("."));
    }
}

/** The replace-on-change attributes of one TF resource, or undefined when the checkout does not define it. */
export function tfRules(root: string, tfName: string): TfRules | undefined {
    const src = new Source(root);
    const out = new Set<string>();
    const conditional = new Set<string>();
    const files = new Set<string>();
    const fw = pluginFwResource(src, tfName);
    if (fw) {
        pluginFwRules(src, fw, out, files);
    } else {
        const reg = sdkv2Registration(src, tfName);
        if (!reg) return undefined;
        const body = reg.pkg.func(reg.func);
        if (!body) throw new Error(`${reg.pkg.dir}: no func ${reg.func}`);
        files.add(reg.pkg.dir);
        for (const text of schemaTexts(reg.pkg, body)) {
            scanText(src, reg.pkg, text, out, conditional);
            for (const m of text.matchAll(/StructToSchema\(\s*([\w.]+)\{\}/g)) {
                structForceNew(src, reg.pkg, m[1], out, files);
            }
        }
    }
    return {
        tfName,
        files: [...files].sort(),
        forceNew: [...out].sort(),
        conditional: [...conditional].filter((c) => !out.has(c)).sort(),
    };
}

/** The version the checkout declares (`common/version.go`). */
export function tfVersion(root: string): string {
    const text = fs.readFileSync(path.join(root, "common", "version.go"), "utf8");
    const m = /version\s*=\s*"([^"]+)"/.exec(text);
    if (!m) throw new Error("no version in common/version.go");
    return `v${m[1]}`;
}
