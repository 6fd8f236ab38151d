import { isDeepStrictEqual } from "node:util";
import pc from "picocolors";
import { type DiffDocument, diffPlans, rulePath } from "./diff";
import type { PlanDocument, PlanStep } from "./plan";
import { type ReadbackRule, readbackRulesFor, ruleName } from "./readbackRules";
import { renderDiff } from "./render";

/**
 * `npm run plan -- --stack <s> --second-up`: what a second `pulumi up` would change right after a
 * first one. The state a first `up` leaves is the program's planned inputs passed through the
 * read-back rules (plan/readback-rules.json: what each provider's Read returns instead of what was
 * sent); the second run's inputs are the same plan as the provider's diff sees them (computed and
 * suppressed paths, defaults, case- and slash-insensitive values, sets). Both go through the diff
 * engine of `--base` (plan/diff.ts), so an update shows as it would in `pulumi preview --diff`, with
 * the rule that made each difference named.
 */

/** The exit status when a second `up` would change something (2 is bad usage, 4 a policy violation). */
export const EXIT_SECOND_UP_CHANGES = 3;

type State = PlanStep["newState"];

/** A read-back rule that changed a value at a path of one resource. */
export interface Cause {
    urn: string;
    /** The concrete path (`tasks[1]`, `tableName`). */
    path: string;
    /** The rule's name: the resource type, rule path, kind and where it comes from. */
    rule: string;
}

export interface SecondUpDocument extends DiffDocument {
    /** Why each changed resource changes: the read-back rules that made the difference. Not in Pulumi's output. */
    causes: Cause[];
}

type Rules = Record<string, ReadbackRule[]>;

function isObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Go's `cmp.Compare` on the key's text: byte order, not locale order. */
function byKey(key: string): (a: unknown, b: unknown) => number {
    const text = (v: unknown) => (isObject(v) ? String(v[key] ?? "") : "");
    return (a, b) => {
        const x = Buffer.from(text(a));
        const y = Buffer.from(text(b));
        return Buffer.compare(x, y);
    };
}

function canonical(v: unknown): string {
    return JSON.stringify(v, (_, x: unknown) =>
        isObject(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x,
    );
}

/** `"1"` for a number input whose default the provider source spells `1`; booleans likewise. */
function typedLike(value: string, like: unknown): unknown {
    if (typeof like === "number" && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
    if (typeof like === "boolean" && (value === "true" || value === "false")) return value === "true";
    return value;
}

function typedDefault(value: string): unknown {
    if (value.startsWith("{")) return JSON.parse(value) as unknown;
    if (/^-?\d+$/.test(value)) return Number(value);
    if (value === "true" || value === "false") return value === "true";
    return value;
}

/** The direct child paths of `path` that rules name, so that a value absent from the inputs can be filled. */
function childRulePaths(rules: Rules, path: string): string[] {
    const prefix = path ? `${path}.` : "";
    return Object.keys(rules).filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes("."));
}

/**
 * The state a first `up` leaves: the inputs as the provider's Read returns them (lists it sorts,
 * values the API normalizes, defaults it fills). Returns the fired rules with their concrete paths.
 */
export function readBack(
    type: string,
    inputs: Record<string, unknown>,
): { state: Record<string, unknown>; fired: { path: string; rulePath: string; rule: ReadbackRule }[] } {
    const rules = readbackRulesFor(type)?.paths ?? {};
    const fired: { path: string; rulePath: string; rule: ReadbackRule }[] = [];
    const walk = (value: unknown, rp: string, concrete: string): unknown => {
        let v = value;
        if (Array.isArray(v)) v = v.map((x, i) => walk(x, rp, `${concrete}[${i}]`));
        else if (isObject(v)) {
            const out: Record<string, unknown> = {};
            for (const [k, x] of Object.entries(v)) {
                out[k] = walk(x, rp ? `${rp}.${k}` : k, concrete ? `${concrete}.${k}` : k);
            }
            // Values the API fills where the inputs leave a path out.
            for (const child of childRulePaths(rules, rp)) {
                const key = child.split(".").pop() as string;
                if (out[key] !== undefined) continue;
                for (const rule of rules[child]) {
                    if ((rule.kind === "apiDefault" || rule.kind === "default") && rule.value !== undefined) {
                        out[key] = typedDefault(rule.value);
                        if (rule.kind === "apiDefault")
                            fired.push({ path: concrete ? `${concrete}.${key}` : key, rulePath: child, rule });
                        break;
                    }
                }
            }
            v = out;
        }
        for (const rule of rules[rp] ?? []) {
            if (rule.kind === "sorted" && Array.isArray(v) && rule.key) {
                const sorted = [...v].sort(byKey(rule.key));
                if (sorted.some((x, i) => x !== (v as unknown[])[i])) {
                    fired.push({ path: concrete, rulePath: rp, rule });
                    v = sorted;
                }
            } else if (rule.kind === "lowercased" && typeof v === "string" && v.toLowerCase() !== v) {
                fired.push({ path: concrete, rulePath: rp, rule });
                v = v.toLowerCase();
            }
        }
        return v;
    };
    return { state: walk(inputs, "", "") as Record<string, unknown>, fired };
}

/** Whether the provider's diff treats a planned value as the state's value under one rule. */
function suppressed(rule: ReadbackRule, planned: unknown, state: unknown): boolean {
    if (state === undefined) return false;
    const empty = planned === undefined || planned === "" || planned === null;
    switch (rule.kind) {
        case "computed":
        case "suppressDiff":
            return planned === undefined || (rule.kind === "suppressDiff" && empty);
        case "suppressDiffWithDefault":
            return empty && rule.value !== undefined && String(state) === rule.value;
        case "caseInsensitive":
            return (
                typeof planned === "string" &&
                typeof state === "string" &&
                planned.toLowerCase() === state.toLowerCase()
            );
        case "trailingSlash":
            return (
                typeof planned === "string" &&
                typeof state === "string" &&
                planned.replace(/\/+$/, "") === state.replace(/\/+$/, "")
            );
        case "workspacePrefix":
            return (
                (typeof state === "string" && empty) ||
                (typeof planned === "string" &&
                    typeof state === "string" &&
                    planned.replace(/^\/Workspace/, "") === state.replace(/^\/Workspace/, ""))
            );
        case "whitespace":
            return typeof planned === "string" && typeof state === "string" && planned.trim() === state.trim();
        default:
            return false;
    }
}

/**
 * The inputs of the second run as the provider's diff sees them against the state: a suppressed
 * difference takes the state's value, a default fills a path the inputs leave out, a set is
 * compared in one canonical order on both sides.
 */
export function providerView(
    type: string,
    planned: Record<string, unknown>,
    state: Record<string, unknown>,
    ignoreChanges: string[] = [],
): { planned: Record<string, unknown>; state: Record<string, unknown> } {
    const rules = readbackRulesFor(type)?.paths ?? {};
    const walk = (p: unknown, s: unknown, rp: string): [unknown, unknown] => {
        // `ignoreChanges`: the bridge drops the path from the provider's diff (pulumi-terraform-bridge
        // tfbridge provider.go Diff, newIgnoreChanges), so the planned value is the state's.
        if (ignoreChanges.includes(rp)) return [s, s];
        for (const rule of rules[rp] ?? []) if (suppressed(rule, p, s)) return [s, s];
        if ((rules[rp] ?? []).some((r) => r.kind === "set") && Array.isArray(p) && Array.isArray(s)) {
            const order = (a: unknown, b: unknown) => (canonical(a) < canonical(b) ? -1 : 1);
            const pairs = [...p].sort(order).map((x, i) => walk(x, [...s].sort(order)[i], rp));
            const rest = [...s].sort(order).slice(p.length);
            return [pairs.map(([x]) => x), [...pairs.map(([, y]) => y), ...rest]];
        }
        if (Array.isArray(p) && Array.isArray(s)) {
            const pairs = p.map((x, i) => walk(x, s[i], rp));
            return [pairs.map(([x]) => x), [...pairs.map(([, y]) => y), ...s.slice(p.length)]];
        }
        if (isObject(p) && isObject(s)) {
            const outP: Record<string, unknown> = {};
            const outS: Record<string, unknown> = {};
            for (const k of new Set([...Object.keys(p), ...Object.keys(s)])) {
                const child = rp ? `${rp}.${k}` : k;
                let pv = p[k];
                const def = (rules[child] ?? []).find((r) => r.kind === "default");
                if (pv === undefined && def?.value !== undefined) pv = typedLike(def.value, s[k]);
                const [x, y] = walk(pv, s[k], child);
                if (x !== undefined) outP[k] = x;
                if (y !== undefined) outS[k] = y;
            }
            return [outP, outS];
        }
        return [p, s];
    };
    const [p, s] = walk(planned, state, "");
    return { planned: p as Record<string, unknown>, state: s as Record<string, unknown> };
}

/** The value at a dotted path of plain objects. */
function getPath(value: Record<string, unknown>, path: string): unknown {
    let v: unknown = value;
    for (const k of path.split(".")) v = isObject(v) ? v[k] : undefined;
    return v;
}

/** A copy of `value` with the dotted path set to `to` (removed when undefined), through plain objects. */
function setPath(value: Record<string, unknown>, path: string, to: unknown): Record<string, unknown> {
    const [k, ...rest] = path.split(".");
    const out = { ...value };
    if (rest.length === 0) {
        if (to === undefined) delete out[k];
        else out[k] = to;
    } else out[k] = setPath(isObject(value[k]) ? value[k] : {}, rest.join("."), to);
    return out;
}

/**
 * The state an update leaves: what the provider reads back of the new inputs, except at the paths
 * an update cannot change (read-back rule `notUpdated`), which keep the old state's values.
 */
export function updatedReadBack(
    type: string,
    oldInputs: Record<string, unknown>,
    inputs: Record<string, unknown>,
): ReturnType<typeof readBack> {
    const after = readBack(type, inputs);
    const before = readBack(type, oldInputs).state;
    let state = after.state;
    const fired = [...after.fired];
    for (const [rulePath, rules] of Object.entries(readbackRulesFor(type)?.paths ?? {})) {
        const rule = rules.find((r) => r.kind === "notUpdated");
        if (!rule || isDeepStrictEqual(getPath(before, rulePath), getPath(state, rulePath))) continue;
        state = setPath(state, rulePath, getPath(before, rulePath));
        fired.push({ path: rulePath, rulePath, rule });
    }
    return { state, fired };
}

/**
 * The plan of a second `up` right after the first: what it would change, and why. With `before`
 * (a base's plan), the first `up` is the update from it to this one (what was there is updated and
 * read back, what is new is created); without, it creates everything.
 */
export function secondUp(doc: PlanDocument, before?: PlanDocument): SecondUpDocument {
    // Which resources the first `up` updates in place, with their old inputs.
    const updated = new Map<string, Record<string, unknown>>();
    if (before) {
        for (const step of diffPlans(before, doc).steps) {
            if ((step.op === "update" || step.op === "same") && step.oldState) {
                updated.set(step.urn, step.oldState.inputs);
            }
        }
    }
    const firedBy = new Map<string, ReturnType<typeof readBack>["fired"]>();
    const base: PlanDocument = { ...doc, steps: [] };
    const head: PlanDocument = { ...doc, steps: [] };
    for (const step of doc.steps) {
        const s = step.newState;
        if (!s.custom || s.type.startsWith("pulumi:providers:")) {
            base.steps.push(step);
            head.steps.push(step);
            continue;
        }
        const old = updated.get(s.urn);
        const { state, fired } = old ? updatedReadBack(s.type, old, s.inputs) : readBack(s.type, s.inputs);
        firedBy.set(s.urn, fired);
        const view = providerView(s.type, s.inputs, state, s.ignoreChanges);
        const withInputs = (inputs: Record<string, unknown>): PlanStep => ({
            ...step,
            newState: { ...s, inputs } as State,
        });
        base.steps.push(withInputs(view.state));
        head.steps.push(withInputs(view.planned));
    }
    const diff = diffPlans(base, head);
    const causes: Cause[] = [];
    for (const step of diff.steps) {
        if (step.op === "same" || !step.detailedDiff) continue;
        const type = (step.newState ?? step.oldState)?.type ?? "";
        const fired = firedBy.get(step.urn) ?? [];
        const seen = new Set<string>();
        for (const changed of Object.keys(step.detailedDiff)) {
            // The rule fired at the changed path or at a list or object that holds it.
            const match = fired.filter(
                (f) => changed === f.path || changed.startsWith(`${f.path}.`) || changed.startsWith(`${f.path}[`),
            );
            for (const f of match.length > 0 ? match : fired.filter((x) => rulePath(changed).startsWith(x.rulePath))) {
                const key = `${f.path} ${f.rulePath}`;
                if (seen.has(key)) continue;
                seen.add(key);
                causes.push({ urn: step.urn, path: f.path, rule: ruleName(type, f.rulePath, f.rule) });
            }
        }
    }
    return { ...diff, causes };
}

/** Whether a second `up` would change nothing. */
export function isQuiet(doc: SecondUpDocument): boolean {
    return doc.steps.every((s) => s.op === "same");
}

/** The text of `--second-up`: the diff as `--base` prints it, then why each resource changes. */
export function renderSecondUp(doc: SecondUpDocument, stack: string, color: boolean, base?: string): string {
    const c = pc.createColors(color);
    const text = renderDiff(
        doc,
        stack,
        base === undefined
            ? "the state a first `pulumi up` leaves (read-back rules)"
            : `the state a \`pulumi up\` from ${base} leaves (read-back rules)`,
        color,
    );
    if (isQuiet(doc)) return `${text}\nA second \`pulumi up\` changes nothing.\n`;
    const lines = ["", c.yellow("Why: the provider reads these back differently from what the program sends:")];
    for (const cause of doc.causes) {
        lines.push(`    ${cause.urn.split("::").pop()} ${cause.path}`, `        rule: ${cause.rule}`);
    }
    const unexplained = doc.steps.filter((s) => s.op !== "same" && !doc.causes.some((x) => x.urn === s.urn));
    for (const s of unexplained) lines.push(`    ${s.urn.split("::").pop()}: no read-back rule explains this change`);
    lines.push(
        "",
        'Declare these inputs as the provider reads them back (docs/reviewing-changes.md, "A second up is quiet").',
    );
    return `${text}${lines.join("\n")}\n`;
}
