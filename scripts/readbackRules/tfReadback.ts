/**
 * What terraform-provider-databricks's Read gives back instead of what was sent, and which
 * differences its diff ignores, read from a checkout of its Go source with the scanner of
 * scripts/replaceRules/tfDatabricks.ts (the same registration lookup, schema-literal and struct
 * walks). For a resource `databricks_x` it collects, per TF attribute path:
 *
 * - `computed`: `tf:"computed"`, `Computed: true`, `.SetComputed()`, `m["x"].Computed = true`,
 *   plugin framework `c.SetComputed(...)` / `c.SetReadOnly(...)`: a value the API fills in that
 *   the diff keeps when the config leaves it out;
 * - `suppressDiff`: `tf:"suppress_diff"`, `.SetSuppressDiff()`: an empty config value does not diff
 *   against the value the API returned;
 * - `default`: `tf:"default:X"`, `Default: X`, `.SetDefault(X)`; `suppressDiffWithDefault`:
 *   `.SetSuppressDiffWithDefault(X)`;
 * - `diffSuppressFunc`: `DiffSuppressFunc: f`, `m["x"].DiffSuppressFunc = f` (keys of a `for range`
 *   too), `.SetCustomSuppressDiff(f)`, with the function's name (an inline `func` is `inline`), and
 *   its removal (`... .DiffSuppressFunc = nil`);
 * - `set`: `tf:"slice_set"`, `Type: schema.TypeSet`, `.SetSliceSet()`: the order never diffs;
 * - `sorted`: `slices.SortFunc(x.F, func(a, b T) int { return cmp.Compare(a.K, b.K) })` and
 *   `sort.Slice(x.F, ... x.F[i].K < x.F[j].K)` in the resource's package, the sorted list's path
 *   resolved through `for ... range` variables, slice literals and the call sites of the function
 *   that sorts its parameter (jobs' `adjustTasks` / `sortWebhookNotifications`).
 *
 * - `notUpdated`: a plugin-framework `Update` that copies an attribute from the old state into the
 *   state it sets (`req.State.GetAttribute(ctx, path.Root("x"), &newState.X)`): an update never
 *   changes it.
 *
 * Not read (hand-written where the program needs them, see scripts/readbackRules/handWritten.ts):
 * what the REST API itself does to a value (lower-casing Unity Catalog names, filling defaults),
 * the Go SDK's structs (no `tf` tags), and the logic inside inline suppress functions.
 */
import {
    balanced,
    chain,
    type GoPackage,
    ownFields,
    pluginFwResource,
    rangeKeys,
    schemaLiteral,
    schemaTexts,
    sdkv2Registration,
    Source,
    stringArgs,
    walkStruct,
} from "../replaceRules/tfDatabricks";

export type TfMarker =
    | { kind: "computed" | "suppressDiff" | "set" | "notUpdated"; where: string }
    | { kind: "default" | "suppressDiffWithDefault"; value: string; where: string }
    | { kind: "diffSuppressFunc"; function: string; where: string }
    | { kind: "noDiffSuppressFunc"; where: string }
    | { kind: "sorted"; key: string; function: string; where: string };

export interface TfReadback {
    tfName: string;
    /** Where the schema and the Read are defined, relative to the checkout. */
    files: string[];
    /** Markers by TF attribute path (`task.notebook_task.source`). */
    markers: Map<string, TfMarker[]>;
}

/** `DependsOn` -> `depends_on`, `ID` -> `id`, `OnDurationWarningThresholdExceeded` -> `on_duration_...`. */
export function goFieldToSnake(field: string): string {
    return field
        .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
        .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
        .toLowerCase();
}

/** The value of a Go literal as the schema would hold it (`"UNPAUSED"` -> `UNPAUSED`, `1` -> `1`). */
function literal(text: string): string {
    const t = text.trim();
    const m = /^"((?:[^"\\]|\\.)*)"$/.exec(t);
    return m ? m[1] : t;
}

function suppressName(expr: string): string {
    const t = expr.trim();
    return t.startsWith("func") ? "inline" : t;
}

class Markers {
    readonly map = new Map<string, TfMarker[]>();
    add(path: string, marker: TfMarker): void {
        const list = this.map.get(path) ?? [];
        if (!list.some((m) => JSON.stringify(m) === JSON.stringify(marker))) list.push(marker);
        this.map.set(path, list);
    }
}

/** The markers of the literal entries (`"x": {Computed: true, ...}`) of schema maps in a text. */
function literalMarkers(text: string, where: string, out: Markers): void {
    for (const m of text.matchAll(/map\[string\]\*schema\.Schema\{/g)) {
        const before = text.slice(Math.max(0, m.index - 60), m.index);
        if (/Elem:\s*&schema\.Resource\{\s*Schema:\s*$/.test(before)) continue; // reached through its parent entry
        schemaLiteral(balanced(text, m.index + m[0].length - 1), "", (p, entry) => {
            const f = ownFields(entry);
            if (f.get("Computed") === "true") out.add(p, { kind: "computed", where });
            if (f.get("Type") === "schema.TypeSet") out.add(p, { kind: "set", where });
            const def = f.get("Default");
            if (def !== undefined) out.add(p, { kind: "default", value: literal(def), where });
            const sup = f.get("DiffSuppressFunc");
            if (sup !== undefined) out.add(p, { kind: "diffSuppressFunc", function: suppressName(sup), where });
        });
    }
}

/** `CustomizeSchemaPath(m, ...)` / `s.SchemaPath(...)` chains and `m["x"].Field = ...` assignments. */
function customizationMarkers(src: Source, pkg: GoPackage, text: string, where: string, out: Markers): void {
    for (const m of text.matchAll(/(?:CustomizeSchemaPath\(\s*\w+,|\.SchemaPath\()\s*([^)]*)\)/g)) {
        const literalPath = stringArgs(m[1]).join(".");
        // `s.SchemaPath(field)` inside `for _, field := range names`: one path per name.
        const paths = literalPath
            ? [literalPath]
            : /^\w+$/.test(m[1].trim())
              ? [...rangeKeys(src, pkg, text, m.index, m[1].trim()), ...localRangeKeys(text, m.index, m[1].trim())]
              : [];
        const rest = chain(text, m.index);
        for (const p of paths) chainMarkers(p, rest, where, out);
    }
    customizationAssignments(src, pkg, text, where, out);
}

/** The markers of one `SchemaPath(...)` chain. */
function chainMarkers(p: string, rest: string, where: string, out: Markers): void {
    {
        if (/\.\s*SetComputed\(\)/.test(rest)) out.add(p, { kind: "computed", where });
        if (/\.\s*SetSuppressDiff\(\)/.test(rest)) out.add(p, { kind: "suppressDiff", where });
        if (/\.\s*SetSliceSet\(\)/.test(rest)) out.add(p, { kind: "set", where });
        const def = /\.\s*SetDefault\(([^)]*)\)/.exec(rest);
        if (def) out.add(p, { kind: "default", value: literal(def[1]), where });
        const sdd = /\.\s*SetSuppressDiffWithDefault\(([^)]*)\)/.exec(rest);
        if (sdd) out.add(p, { kind: "suppressDiffWithDefault", value: literal(sdd[1]), where });
        const cus = /\.\s*SetCustomSuppressDiff\(/.exec(rest);
        if (cus) {
            const arg = balanced(rest, cus.index + cus[0].length - 1).slice(1, -1);
            out.add(p, { kind: "diffSuppressFunc", function: suppressName(arg), where });
        }
    }
}

/** `m["x"].Field = ...` assignments and the common/resource.go helpers. */
function customizationAssignments(src: Source, pkg: GoPackage, text: string, where: string, out: Markers): void {
    // m["x"].DiffSuppressFunc = f, MustSchemaPath(m, "a", "b").DiffSuppressFunc = nil, m[field]... in a range.
    const keysOf = (at: number, key: string | undefined, schemaPath: string | undefined): string[] =>
        schemaPath
            ? [stringArgs(schemaPath).join(".")]
            : key === undefined
              ? []
              : key.startsWith('"')
                ? [key.slice(1, -1)]
                : [...rangeKeys(src, pkg, text, at, key), ...localRangeKeys(text, at, key)];
    const target = String.raw`(?:\w+\[("\w+"|\w+(?:\.\w+)?)\]|(?:common\.)?MustSchemaPath\(\s*\w+,\s*([^)]*)\))`;
    for (const m of text.matchAll(
        new RegExp(`${target}\\.(DiffSuppressFunc|Computed|Default)\\s*=\\s*([^\\n]+)`, "g"),
    )) {
        const value = m[4].trim();
        for (const k of keysOf(m.index, m[1], m[2])) {
            if (m[3] === "Computed") {
                if (value === "true") out.add(k, { kind: "computed", where });
            } else if (m[3] === "Default") out.add(k, { kind: "default", value: literal(value), where });
            else if (value === "nil") out.add(k, { kind: "noDiffSuppressFunc", where });
            else out.add(k, { kind: "diffSuppressFunc", function: suppressName(value), where });
        }
    }
    // common.SetDefault(m["x"], v), common.SetReadOnly(m["x"]): helpers of common/resource.go.
    for (const m of text.matchAll(
        new RegExp(`common\\.(SetDefault|SetReadOnly)\\(\\s*${target}(?:,\\s*([^)\\n]+))?\\)`, "g"),
    )) {
        for (const k of keysOf(m.index, m[2], m[3])) {
            if (m[1] === "SetReadOnly") out.add(k, { kind: "computed", where });
            else if (m[4] !== undefined) out.add(k, { kind: "default", value: literal(m[4]), where });
        }
    }
    // m["x"] = &schema.Schema{Computed: true, ...}: an attribute the customization adds.
    for (const m of text.matchAll(/\w+\["(\w+)"\]\s*=\s*&schema\.Schema\{/g)) {
        const f = ownFields(balanced(text, m.index + m[0].length - 1));
        if (f.get("Computed") === "true") out.add(m[1], { kind: "computed", where });
        const def = f.get("Default");
        if (def !== undefined) out.add(m[1], { kind: "default", value: literal(def), where });
        const sup = f.get("DiffSuppressFunc");
        if (sup !== undefined) out.add(m[1], { kind: "diffSuppressFunc", function: suppressName(sup), where });
    }
}

/** Keys of `for _, k := range names` where `names := []string{"a", "b"}` is a local slice literal. */
function localRangeKeys(text: string, at: number, key: string): string[] {
    const before = text.slice(0, at);
    const loop = [
        ...before.matchAll(new RegExp(`for\\s+(?:_|\\w+),\\s*${key}\\s*:=\\s*range\\s+(\\w+)\\s*\\{`, "g")),
    ].pop();
    if (!loop) return [];
    const lit = [...before.matchAll(new RegExp(`${loop[1]}\\s*:=\\s*\\[\\]string\\{([^}]*)\\}`, "g"))].pop();
    return lit ? stringArgs(lit[1]) : [];
}

/** The body of `func (T) Name(` / `func (t *T) Name(`. */
function methodBody(pkg: GoPackage, type: string, name: string): string | undefined {
    const m = new RegExp(`func \\((?:\\w+ )?\\*?${type}\\) ${name}\\(`).exec(pkg.text);
    if (!m) return undefined;
    const open = pkg.text.indexOf("{\n", m.index);
    return open < 0 ? undefined : balanced(pkg.text, open);
}

/** The Go functions of a package with their bodies, receivers and parameters. */
interface GoFunc {
    name: string;
    receiver?: string;
    params: string[];
    body: string;
}

function goFuncs(pkg: GoPackage): GoFunc[] {
    const out: GoFunc[] = [];
    for (const m of pkg.text.matchAll(/^func (?:\((\w+) \*?[\w.]+\) )?(\w+)\(([^)]*)\)[^{\n]*\{$/gm)) {
        const open = m.index + m[0].length - 1;
        out.push({
            name: m[2],
            receiver: m[1],
            params: m[3]
                .split(",")
                .map((p) => p.trim().split(/\s+/)[0])
                .filter(Boolean),
            body: balanced(pkg.text, open),
        });
    }
    return out;
}

/**
 * The TF attribute paths (snake_case, dotted) a Go expression such as `task.DependsOn` stands
 * for inside a function: through `for _, v := range X` loops, `v := []T{a.B, ...}` literals, and
 * the call sites of the function when the expression starts at one of its parameters; a receiver,
 * or a parameter of a function nothing in the package calls, is the resource's top level.
 */
function resolvePaths(expr: string, fn: GoFunc, funcs: GoFunc[], depth = 0): string[] {
    if (depth > 6) return [];
    const [head, ...fields] = expr.split(".");
    const tail = fields.map(goFieldToSnake);
    const join = (base: string) => [base, ...tail].filter(Boolean).join(".");
    const loop = new RegExp(`for\\s+(?:_|\\w+),\\s*${head}\\s*:=\\s*range\\s+([\\w.]+)`).exec(fn.body);
    if (loop) return resolvePaths(loop[1], fn, funcs, depth + 1).map(join);
    const lit = new RegExp(`${head}\\s*:=\\s*\\[\\][\\[\\]\\w.*]*\\{`).exec(fn.body);
    if (lit) {
        const items = balanced(fn.body, lit.index + lit[0].length - 1)
            .slice(1, -1)
            .split(",")
            .map((s) => s.trim())
            .filter((s) => /^[\w.]+$/.test(s));
        return items.flatMap((item) => resolvePaths(item, fn, funcs, depth + 1)).map(join);
    }
    if (head === fn.receiver) return [join("")];
    const param = fn.params.indexOf(head);
    if (param >= 0) {
        const callers = funcs.flatMap((caller) =>
            [...caller.body.matchAll(new RegExp(`(?<![\\w.])${fn.name}\\(([^()]*)\\)`, "g"))].map((call) => ({
                caller,
                arg: call[1].split(",")[param]?.trim().replace(/^&/, ""),
            })),
        );
        if (callers.length === 0) return [join("")];
        return callers
            .filter((c) => c.arg && /^[\w.]+$/.test(c.arg))
            .flatMap((c) => resolvePaths(c.arg as string, c.caller, funcs, depth + 1))
            .map(join);
    }
    return [];
}

/** Lists the package sorts in place, by key. */
function sortMarkers(pkg: GoPackage, out: Markers): void {
    const funcs = goFuncs(pkg);
    for (const fn of funcs) {
        const sorts = [
            ...[
                ...fn.body.matchAll(
                    /slices\.SortFunc\(([\w.]+),\s*func\(a, b [\w.]+\) int \{\s*return cmp\.Compare\(a\.(\w+), b\.\2\)/g,
                ),
            ].map((m) => ({ expr: m[1], key: m[2] })),
            ...[
                ...fn.body.matchAll(
                    /sort\.(?:Slice|SliceStable)\(([\w.]+),\s*func\(i, j int\) bool \{\s*return \1\[i\]\.(\w+) < \1\[j\]\.\2/g,
                ),
            ].map((m) => ({ expr: m[1], key: m[2] })),
        ];
        for (const s of sorts) {
            const where = `${pkg.dir} ${fn.receiver ? "(method) " : ""}${fn.name}`;
            for (const p of resolvePaths(s.expr, fn, funcs)) {
                out.add(p, { kind: "sorted", key: goFieldToSnake(s.key), function: fn.name, where });
            }
        }
    }
}

/** Plugin-framework customizations: `c.SetComputed("a", "b")`, `c.SetReadOnly(...)`, `attrs["x"].SetComputed()`. */
function pluginFwMarkers(pkg: GoPackage, out: Markers): void {
    for (const m of pkg.text.matchAll(/\bc\.(SetComputed|SetReadOnly)\(([^)]*)\)/g)) {
        out.add(stringArgs(m[2]).join("."), { kind: "computed", where: `${pkg.dir} Schema` });
    }
    for (const m of pkg.text.matchAll(/attrs\["(\w+)"\]\s*=\s*attrs\["\w+"\]([^\n]*)/g)) {
        if (/\.SetComputed\(\)/.test(m[2]))
            out.add(m[1], { kind: "computed", where: `${pkg.dir} ApplySchemaCustomizations` });
    }
}

/**
 * Attributes a plugin-framework `Update` copies from the old state into the state it sets: the
 * struct given to `resp.State.Set` gets them from `req.State.GetAttribute` (an attribute read from
 * the state into the plan sent to the API is not one of them).
 */
function notUpdatedMarkers(pkg: GoPackage, out: Markers): void {
    for (const fn of goFuncs(pkg).filter((f) => f.name === "Update" && f.receiver !== undefined)) {
        const set = /resp\.State\.Set\(ctx,\s*&?(\w+)\)/.exec(fn.body)?.[1];
        if (!set) continue;
        const copied = new RegExp(
            `req\\.State\\.GetAttribute\\(ctx,\\s*path\\.Root\\("(\\w+)"\\),\\s*&${set}\\.\\w+\\)`,
            "g",
        );
        for (const m of fn.body.matchAll(copied)) {
            out.add(m[1], { kind: "notUpdated", where: `${pkg.dir} Update (copied from the old state)` });
        }
    }
}

/**
 * Where a resource's schema holds a Go SDK struct whose customizations another package registers
 * (`common.RegisterResourceProvider(compute.ClusterSpec{}, ClusterSpec{})` in clusters/resource_cluster.go):
 * the Go SDK is not in the checkout, so where it sits is written here; what it customizes is read.
 * The job's cluster blocks: jobs/resource_job.go names them in `CustomizeSchema`
 * (`common.MustSchemaMap(s.GetSchemaMap(), "job_cluster", "new_cluster")`, `"task", "new_cluster"`).
 */
const GO_SDK_EMBEDDINGS: Record<string, Record<string, string[]>> = {
    databricks_job: { "compute.ClusterSpec": ["job_cluster.new_cluster.", "task.new_cluster."] },
};

/** The `CustomizeSchema` markers of the struct registered for a Go SDK type, under each prefix. */
function registeredProviderMarkers(
    src: Source,
    pkg: GoPackage,
    goType: string,
    prefixes: string[],
    out: Markers,
    files: Set<string>,
): void {
    const dirs = [pkg.dir, ...pkg.imports.values()];
    for (const dir of dirs) {
        const owner = src.pkg(dir);
        const m = new RegExp(
            `common\\.RegisterResourceProvider\\(${goType.replace(".", "\\.")}\\{\\}, (\\w+)\\{\\}\\)`,
        ).exec(owner.text);
        if (!m) continue;
        // `CustomizeSchemaResourceSpecific` applies only where the struct is the resource itself.
        const body = methodBody(owner, m[1], "CustomizeSchema");
        if (!body) continue;
        files.add(owner.dir);
        for (const prefix of prefixes) {
            const scoped = new Markers();
            customizationMarkers(src, owner, body, `${owner.dir} ${m[1]}.CustomizeSchema`, scoped);
            for (const [p, markers] of scoped.map) for (const marker of markers) out.add(prefix + p, marker);
        }
        return;
    }
}

/** The read-back markers of one TF resource, or undefined when the checkout does not define it. */
export function tfReadback(root: string, tfName: string): TfReadback | undefined {
    const src = new Source(root);
    const out = new Markers();
    const files = new Set<string>();
    const fw = pluginFwResource(src, tfName);
    if (fw) {
        files.add(fw.dir);
        pluginFwMarkers(fw, out);
        sortMarkers(fw, out);
        notUpdatedMarkers(fw, out);
        // The structs the schema is built from (their own customizations, one package level).
        for (const m of fw.text.matchAll(/^\s+(\w+)_tf\.(\w+)\s*$/gm)) {
            const dir = fw.imports.get(`${m[1]}_tf`);
            if (!dir) continue;
            const p = src.pkg(dir);
            const custom = p.func("ApplySchemaCustomizations", m[2]) ?? "";
            for (const a of custom.matchAll(/attrs\["(\w+)"\]\s*=\s*attrs\["\w+"\]([^\n]*)/g)) {
                if (/\.SetComputed\(\)/.test(a[2]))
                    out.add(a[1], { kind: "computed", where: `${dir} ${m[2]}.ApplySchemaCustomizations` });
            }
            files.add(dir);
        }
    } else {
        const reg = sdkv2Registration(src, tfName);
        if (!reg) return undefined;
        const body = reg.pkg.func(reg.func);
        if (!body) throw new Error(`${reg.pkg.dir}: no func ${reg.func}`);
        files.add(reg.pkg.dir);
        const where = `${reg.pkg.dir} ${reg.func}`;
        const texts = schemaTexts(reg.pkg, body);
        for (const text of texts) {
            literalMarkers(text, where, out);
            customizationMarkers(src, reg.pkg, text, where, out);
            for (const m of text.matchAll(/StructToSchema\(\s*([\w.]+)\{\}/g)) {
                const struct = m[1];
                walkStruct(
                    src,
                    reg.pkg,
                    struct,
                    "",
                    (p, tf) => {
                        const w = `${reg.pkg.dir} ${struct} (tf tags)`;
                        for (const tag of tf.split(",")) {
                            if (tag === "computed") out.add(p, { kind: "computed", where: w });
                            else if (tag === "suppress_diff") out.add(p, { kind: "suppressDiff", where: w });
                            else if (tag === "slice_set") out.add(p, { kind: "set", where: w });
                            else if (tag.startsWith("default:"))
                                out.add(p, { kind: "default", value: tag.slice("default:".length), where: w });
                        }
                    },
                    files,
                );
                // `func (T) CustomizeSchema(s *common.CustomizableSchema)` of a struct given to StructToSchema.
                const name = struct.includes(".") ? undefined : struct;
                const custom = name ? methodBody(reg.pkg, name, "CustomizeSchema") : undefined;
                if (custom) customizationMarkers(src, reg.pkg, custom, `${reg.pkg.dir} ${name}.CustomizeSchema`, out);
            }
        }
        for (const [goType, prefixes] of Object.entries(GO_SDK_EMBEDDINGS[tfName] ?? {})) {
            registeredProviderMarkers(src, reg.pkg, goType, prefixes, out, files);
        }
        sortMarkers(reg.pkg, out);
    }
    return { tfName, files: [...files].sort(), markers: out.map };
}
