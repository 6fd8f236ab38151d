import { isDeepStrictEqual } from "node:util";
import pc from "picocolors";
import type { DiffDocument, DiffStep } from "./diff";
import { displayName } from "./displayName";
import { UNKNOWN } from "./mocks";
import type { PlanDocument, PlanStep } from "./plan";

/**
 * Renders the plan as `pulumi preview` does: a tree of what would be created, with the name each
 * resource will have in the workspace or in Azure, then a summary. With `diff`, every input of
 * each resource follows its line, as `pulumi preview --diff` prints a creation.
 */
export function renderTree(doc: PlanDocument, stack: string, color: boolean, diff = false): string {
    const c = pc.createColors(color);
    // Like `pulumi preview`: default providers are not shown, explicit ones are.
    const steps = doc.steps.filter(
        (s) => !(s.newState.type.startsWith("pulumi:providers:") && nameOf(s.urn).startsWith("default")),
    );
    const children = new Map<string, PlanStep[]>();
    for (const s of steps) {
        const parent = s.newState.parent ?? "";
        children.set(parent, [...(children.get(parent) ?? []), s]);
    }
    const rows: {
        prefix: string;
        type: string;
        name: string;
        protect: boolean;
        info: string;
        step: PlanStep;
    }[] = [];
    const walk = (step: PlanStep, indent: string, last: boolean, root: boolean) => {
        const branch = root ? "" : `${indent}${last ? "└─ " : "├─ "}`;
        const shown = displayName(step.newState.type, step.newState.inputs);
        rows.push({
            prefix: branch,
            type: step.newState.type,
            name: nameOf(step.urn),
            protect: step.newState.protect,
            info:
                (shown ? `[${shown.replaceAll(UNKNOWN, "output<string>")}]` : "") +
                (step.op === "import" ? `${shown ? " " : ""}[id=${step.newState.id}]` : ""),
            step,
        });
        const kids = children.get(step.urn) ?? [];
        kids.forEach((k, i) => walk(k, root ? "" : `${indent}${last ? "   " : "│  "}`, i === kids.length - 1, false));
    };
    for (const root of steps.filter((s) => !s.newState.parent)) walk(root, "", true, true);

    const typeWidth = Math.max(4, ...rows.map((r) => r.prefix.length + r.type.length)) + 2;
    const nameWidth = Math.max(4, ...rows.map((r) => r.name.length)) + 2;
    const lines = [
        `Previewing update (${stack}), offline: Pulumi runtime mocks, no cloud calls`,
        "",
        `     ${"Type".padEnd(typeWidth)}${"Name".padEnd(nameWidth)}${"Plan".padEnd(8)}Info`,
    ];
    for (const r of rows) {
        // An adopted object is imported (`=`), as `pulumi preview` shows it; everything else is created.
        const imported = r.step.op === "import";
        const paint = imported ? c.cyan : c.green;
        lines.push(
            `${paint(imported ? " =  " : " +  ")} ${(r.prefix + r.type).padEnd(typeWidth)}${r.name.padEnd(nameWidth)}${paint(imported ? "import" : "create")}  ${r.info}${r.protect ? " 🔒" : ""}`.trimEnd(),
        );
        // The engine updates what it imported in the same deployment (plan/adoption.ts).
        const update = r.step.update;
        if (imported && update) {
            const what = update.diffReasons.length > 0 ? update.diffReasons.join(", ") : "nothing";
            lines.push(
                c.yellow(
                    `         ~  then update: ${update.deployedKnown ? `[diff: ${what}]` : `[as declared: ${what}]`}${update.held.length > 0 ? ` (held by ignoreChanges: ${update.held.join(", ")})` : ""}`,
                ),
            );
        }
        if (diff && r.step.newState.custom) {
            for (const [path, value] of leaves(r.step.newState.inputs)) {
                lines.push(paint(`        ${imported ? "=" : "+"} ${path}: ${formatValue(value)}`));
            }
        }
    }
    if (doc.diagnostics.length > 0) {
        lines.push("", "Diagnostics:", `  pulumi:pulumi:Stack (${nameOf(doc.steps[0].urn)}):`);
        for (const d of doc.diagnostics) lines.push(`    ${severity(d.severity, c)} ${d.message}`);
    }
    const outputs = doc.steps.find((s) => s.newState.type === "pulumi:pulumi:Stack")?.newState.outputs;
    if (outputs && Object.keys(outputs).length > 0) {
        lines.push("", "Outputs:");
        const text = JSON.stringify(outputs, null, 4).replaceAll(`"${UNKNOWN}"`, "output<string>");
        for (const line of text.split("\n").slice(1, -1)) lines.push(line);
    }
    const protectedCount = doc.steps.filter((s) => s.newState.protect).length;
    // What the tree shows is what it counts: like the engine, which neither reports nor counts a
    // default provider's step (pulumi/pulumi pkg/engine/deployment.go, `isInternalStep`).
    const imports = rows.filter((r) => r.step.op === "import").length;
    lines.push("", "Resources:", `    ${c.green(`+ ${rows.length - imports} to create`)}`);
    if (imports > 0) lines.push(`    ${c.cyan(`= ${imports} to import`)}`);
    if (protectedCount > 0) lines.push(`    ${protectedCount} protected from deletion (🔒)`);
    return `${lines.join("\n")}\n`;
}

function nameOf(urn: string): string {
    return urn.split("::").pop() ?? urn;
}

/** Every leaf of a value with its path (`a.b[0].c`). */
function leaves(value: unknown, path = ""): [string, unknown][] {
    if (Array.isArray(value)) {
        return value.length === 0 ? [[path, []]] : value.flatMap((v, i) => leaves(v, `${path}[${i}]`));
    }
    if (value && typeof value === "object") {
        const keys = Object.keys(value).sort();
        return keys.length === 0
            ? [[path, {}]]
            : keys.flatMap((k) => leaves((value as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
    }
    return [[path, value]];
}

/** A value as the diff prints it: JSON, unknowns as `output<string>`, long strings cut. */
export function formatValue(value: unknown): string {
    if (value === UNKNOWN) return "output<string>";
    const text = JSON.stringify(value) ?? "undefined";
    return text.length > 120 ? `${text.slice(0, 60)}…" (${text.length} characters)` : text;
}

const SYMBOL: Record<DiffStep["op"], string> = {
    create: "+ ",
    import: "= ",
    update: "~ ",
    replace: "+-",
    delete: "- ",
    same: "  ",
};

/**
 * Renders a diff as `pulumi preview --diff` does: each changed resource with its changed
 * properties (old => new, and what forces a replacement), unchanged ones only counted; then the
 * renames, the destructive changes and a summary.
 */
export function renderDiff(doc: DiffDocument, stack: string, base: string, color: boolean): string {
    const c = pc.createColors(color);
    const paint: Record<DiffStep["op"], (s: string) => string> = {
        create: c.green,
        import: c.cyan,
        update: c.yellow,
        replace: c.magenta,
        delete: c.red,
        same: (s) => s,
    };
    const lines = [`Previewing update (${stack}), offline: the working tree against ${base}`, ""];
    for (const step of doc.steps.filter((s) => s.op !== "same")) {
        const state = (step.newState ?? step.oldState) as PlanStep["newState"];
        const shown = displayName(state.type, state.inputs);
        const p = paint[step.op];
        lines.push(
            p(`${SYMBOL[step.op]} ${state.type}: (${step.op})  ${nameOf(step.urn)}${shown ? `  [${shown}]` : ""}`),
            `      [urn=${step.urn}]`,
        );
        if (step.op === "import") lines.push(`      [id=${state.id}]`);
        if (step.op === "create" || step.op === "import" || step.op === "delete") {
            const sign = step.op === "create" ? "+" : step.op === "import" ? "=" : "-";
            if (state.custom) {
                for (const [path, value] of leaves(state.inputs))
                    lines.push(p(`      ${sign} ${path}: ${formatValue(value)}`));
            }
            continue;
        }
        const before = step.oldState?.inputs ?? {};
        for (const [path, d] of Object.entries(step.detailedDiff ?? {})) {
            const forces = d.kind.endsWith("-replace")
                ? c.magenta(" (forces replacement)")
                : step.op === "update" && doc.perpetual?.some((x) => x.urn === step.urn && x.path === path)
                  ? c.yellow(" (perpetual diff: an update cannot change it)")
                  : "";
            const kind = d.kind.replace("-replace", "");
            const oldValue = valueAt(before, path);
            const newValue = valueAt(state.inputs, path);
            if (kind === "add" || kind === "delete") {
                // An added or removed object shows leaf by leaf, as a created resource does.
                const [sign, paint, value] = kind === "add" ? ["+", c.green, newValue] : ["-", c.red, oldValue];
                for (const [leaf, v] of leaves(value, path))
                    lines.push(paint(`      ${sign} ${leaf}: ${formatValue(v)}`) + forces);
            } else {
                const changes = jsonDocumentChanges(oldValue, newValue);
                if (changes) {
                    // A JSON document in a string (a cluster policy's definition, a job's
                    // settings): its changed keys, not two cut strings of the same length.
                    lines.push(c.yellow(`      ~ ${path}: a JSON document; its changed keys:`) + forces);
                    for (const ch of changes) {
                        if (ch.kind === "add") lines.push(c.green(`          + ${ch.path}: ${formatValue(ch.after)}`));
                        else if (ch.kind === "delete")
                            lines.push(c.red(`          - ${ch.path}: ${formatValue(ch.before)}`));
                        else
                            lines.push(
                                c.yellow(
                                    `          ~ ${ch.path}: ${formatValue(ch.before)} => ${formatValue(ch.after)}`,
                                ),
                            );
                    }
                } else {
                    lines.push(
                        c.yellow(`      ~ ${path}: ${formatValue(oldValue)} => ${formatValue(newValue)}`) + forces,
                    );
                }
            }
        }
        if (step.replaceReasons?.includes("provider"))
            lines.push(c.magenta("      ~ provider changed (forces replacement)"));
    }
    if (doc.renames.length > 0) {
        lines.push(
            "",
            c.yellow("Renamed: the URN changed, so Pulumi deletes the old resource and creates the new one:"),
        );
        for (const r of doc.renames) {
            lines.push(`    ${r.oldUrn}`, `    => ${r.newUrn}`);
            if (!r.project)
                lines.push(`    to move the state instead, give the new resource the option aliases: ["${r.oldUrn}"]`);
        }
        // A project renamed in config: one config key keeps all of its resources.
        const projectRenames = new Map(
            doc.renames.filter((r) => r.project).map((r) => [`${r.project?.from}\0${r.project?.to}`, r.project]),
        );
        for (const p of projectRenames.values()) {
            lines.push(
                c.yellow(
                    `    project ${p?.from} is now ${p?.to}: to keep its resources (and its model's versions, its experiment's runs), list its old name in the project's config:`,
                ),
                `      - name: ${p?.to}`,
                `        previousNames: [${p?.from}]`,
            );
        }
    }
    if (doc.destructive.length > 0) {
        lines.push(
            "",
            c.red(c.bold("Destructive changes: these resources hold data, or serve clients, that the change loses:")),
        );
        for (const d of doc.destructive) {
            const state = doc.steps.find((s) => s.urn === d.urn);
            const st = (state?.newState ?? state?.oldState) as PlanStep["newState"];
            const shown = st ? displayName(st.type, st.inputs) : undefined;
            lines.push(
                c.red(`    ${SYMBOL[d.op]} ${d.type}  ${nameOf(d.urn)}${shown ? `  [${shown}]` : ""}: ${d.reason}`),
            );
        }
    }
    if ((doc.perpetual ?? []).length > 0) {
        lines.push(
            "",
            c.yellow(
                "Perpetual diffs: an update cannot change these, so `pulumi up` leaves them as they are and every later preview shows them again (replace the resource to change them, e.g. with the resource option replaceOnChanges):",
            ),
        );
        for (const d of doc.perpetual ?? []) lines.push(`    ${nameOf(d.urn)} ${d.path}`, `        rule: ${d.rule}`);
    }
    if (doc.diagnostics.length > 0) {
        lines.push("", "Diagnostics:");
        for (const d of doc.diagnostics) lines.push(`    ${severity(d.severity, c)} ${d.message}`);
    }
    const n = (op: DiffStep["op"]) => doc.changeSummary[op] ?? 0;
    lines.push("", "Resources:");
    if (n("create")) lines.push(c.green(`    + ${n("create")} to create`));
    if (n("import")) lines.push(c.cyan(`    = ${n("import")} to import`));
    if (n("update")) lines.push(c.yellow(`    ~ ${n("update")} to update`));
    if (n("replace")) lines.push(c.magenta(`    +-${n("replace")} to replace`));
    if (n("delete")) lines.push(c.red(`    - ${n("delete")} to delete`));
    const changes = n("create") + n("import") + n("update") + n("replace") + n("delete");
    lines.push(`    ${changes} change${changes === 1 ? "" : "s"}. ${n("same")} unchanged`);
    return `${lines.join("\n")}\n`;
}

/** A string that holds a JSON object or list, parsed; `undefined` for anything else. */
function jsonDocument(value: unknown): unknown {
    if (typeof value !== "string" || !/^\s*[{[]/.test(value)) return undefined;
    try {
        return JSON.parse(value) as unknown;
    } catch {
        return undefined;
    }
}

/** One changed leaf of a JSON document. */
export interface JsonChange {
    /** `spark_version.value`, `["spark_conf.spark.master"].value`, `node_type_id.values[2]`. */
    path: string;
    kind: "add" | "delete" | "update";
    before?: unknown;
    after?: unknown;
}

/**
 * The changed leaves between two strings that both hold JSON documents, in key order; `undefined`
 * when either is not one (or they are the same document).
 */
export function jsonDocumentChanges(before: unknown, after: unknown): JsonChange[] | undefined {
    const [a, b] = [jsonDocument(before), jsonDocument(after)];
    if (a === undefined || b === undefined) return undefined;
    const out: JsonChange[] = [];
    const key = (p: string, k: string) =>
        /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? (p ? `${p}.${k}` : k) : `${p}[${JSON.stringify(k)}]`;
    const walk = (x: unknown, y: unknown, p: string) => {
        if (isDeepStrictEqual(x, y)) return;
        if (x === undefined) return void out.push({ path: p, kind: "add", after: y });
        if (y === undefined) return void out.push({ path: p, kind: "delete", before: x });
        if (Array.isArray(x) && Array.isArray(y)) {
            for (let i = 0; i < Math.max(x.length, y.length); i++) walk(x[i], y[i], `${p}[${i}]`);
            return;
        }
        if (isPlainObject(x) && isPlainObject(y)) {
            for (const k of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) walk(x[k], y[k], key(p, k));
            return;
        }
        out.push({ path: p, kind: "update", before: x, after: y });
    };
    walk(a, b, "");
    return out.length > 0 ? out : undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The value at a Pulumi-style path (`a.b[0].c`). */
function valueAt(value: unknown, path: string): unknown {
    let v = value;
    for (const part of path.match(/[^.[\]]+|\[\d+\]/g) ?? []) {
        if (v === undefined || v === null) return undefined;
        v = part.startsWith("[") ? (v as unknown[])[Number(part.slice(1, -1))] : (v as Record<string, unknown>)[part];
    }
    return v;
}

/** A diagnostic's severity as `pulumi preview` prints it. */
function severity(level: "warning" | "error", c: ReturnType<typeof pc.createColors>): string {
    return level === "error" ? c.red("error:") : c.yellow("warning:");
}
