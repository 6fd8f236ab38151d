import { isDeepStrictEqual } from "node:util";
import { UNKNOWN } from "./mocks";
import type { PlanDocument, PlanStep } from "./plan";

/**
 * Adoption as the engine does it since pulumi/pulumi v3.174.0: a resource declared with the
 * `import` option is read by its id (the ImportStep), then diffed against the program's inputs
 * and updated in the same deployment (pkg/resource/deploy/step_generator.go,
 * `continueStepsFromImport`), with the `ignoreChanges` paths held at the values it read. A diff
 * that would replace it fails the `up` ("previously-imported resources that still specify an ID
 * may not be replaced"; a warning in a preview). This module models the update that follows an
 * import in the offline plan, writes the plan in the shape `pulumi preview --json` gives it (an
 * `import` step, then an `update` step of the same URN), and reads such a preview as the gate
 * before the adopting `up`.
 */

/** The update the engine makes right after importing an object. */
export interface AdoptionUpdate {
    /** The top-level inputs it changes, as `diffReasons` in `pulumi preview --json`; sorted. */
    diffReasons: string[];
    /**
     * Whether the deployed object's inputs were known to the plan. Otherwise `diffReasons` are the
     * declared inputs the engine writes wherever the object holds other values, and the
     * properties a bundle's deploy sets that the program does not declare (the engine removes
     * them); a real preview shows which of the declared ones differ.
     */
    deployedKnown: boolean;
    /**
     * Replace-forcing inputs the program declares with another value than the object has, held
     * at the object's by `ignoreChanges` while the stack adopts it. Once the `adopt` id is gone,
     * the next `up` would replace the object for them: make the config say the deployed value.
     */
    held: string[];
    /** The deployed object's inputs, when known: the old state of the update step. */
    deployed?: Record<string, unknown>;
}

/**
 * What `databricks bundle deploy` sets on every object of a type that this program does not
 * declare, so that the engine removes it in the update after the import: a bundle's jobs are
 * `edit_mode: UI_LOCKED` with a `deployment` block pointing at the bundle's metadata
 * (databricks/cli bundle/deploy/metadata/annotate_jobs.go).
 */
export const BUNDLE_ONLY: Record<string, string[]> = {
    "databricks:index/job:Job": ["deployment", "editMode"],
};

/** A value at a dotted path, or undefined. */
function at(value: unknown, path: string[]): unknown {
    let v = value;
    for (const key of path) {
        if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
        v = (v as Record<string, unknown>)[key];
    }
    return v;
}

/**
 * The inputs with each ignored path reset to the deployed value, as the engine does before it
 * diffs (step_generator.go `processIgnoreChanges`, properties_path.go `Reset`): set where the
 * path's parent exists in the inputs, deleted where the deployed object lacks it.
 */
export function holdIgnored(
    inputs: Record<string, unknown>,
    deployed: Record<string, unknown>,
    ignoreChanges: string[],
): Record<string, unknown> {
    const out = structuredClone(inputs);
    for (const path of ignoreChanges) {
        const keys = path.split(".");
        const parent = at(out, keys.slice(0, -1));
        if (!parent || typeof parent !== "object" || Array.isArray(parent)) continue;
        const leaf = keys[keys.length - 1];
        const old = at(deployed, keys);
        if (old === undefined) delete (parent as Record<string, unknown>)[leaf];
        else (parent as Record<string, unknown>)[leaf] = structuredClone(old);
    }
    return out;
}

function defined(record: Record<string, unknown>): string[] {
    return Object.keys(record).filter((k) => record[k] !== undefined);
}

function containsUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
    return false;
}

/**
 * The update after the import of an object of `type` whose program inputs are `declared`.
 * With the deployed object's inputs (as the provider reads them back): exactly the top-level
 * inputs that differ once the ignored paths are held, a value the plan cannot know yet counting
 * as a change. Without: see `AdoptionUpdate.deployedKnown`.
 */
export function adoptionUpdate(
    type: string,
    declared: Record<string, unknown>,
    ignoreChanges: string[],
    deployed?: Record<string, unknown>,
): AdoptionUpdate {
    if (deployed === undefined) {
        const written = defined(declared).filter((k) => !ignoreChanges.includes(k));
        const removed = (BUNDLE_ONLY[type] ?? []).filter((k) => declared[k] === undefined);
        return { diffReasons: [...new Set([...written, ...removed])].sort(), deployedKnown: false, held: [] };
    }
    const effective = holdIgnored(declared, deployed, ignoreChanges);
    const keys = [...new Set([...defined(effective), ...defined(deployed)])];
    const diffReasons = keys
        .filter((k) => containsUnknown(effective[k]) || !isDeepStrictEqual(effective[k], deployed[k]))
        .sort();
    const held = ignoreChanges
        .filter((p) => {
            const mine = at(declared, p.split("."));
            return mine !== undefined && !isDeepStrictEqual(mine, at(deployed, p.split(".")));
        })
        .sort();
    return { diffReasons, deployedKnown: true, held, deployed };
}

/** A step of `pulumi preview --json`, as far as the gate reads it. */
export interface PreviewStep {
    op: string;
    urn: string;
    provider?: string;
    oldState?: { id?: string; type?: string; inputs?: Record<string, unknown> };
    newState?: { id?: string; type?: string; inputs?: Record<string, unknown> };
    diffReasons?: string[];
    replaceReasons?: string[];
}

/** `pulumi preview --json`, as far as the gate reads it. */
export interface PreviewDocument {
    steps?: PreviewStep[];
    diagnostics?: { urn?: string; message: string; severity?: string }[];
    changeSummary?: Record<string, number>;
}

/**
 * The plan in the shape `pulumi preview --json` has for it: every adopted resource an `import`
 * step followed by the `update` step the engine generates from the import (its old state the
 * object as read, its `diffReasons` the inputs it changes); `changeSummary` counts both.
 */
export function previewJson(doc: PlanDocument): PlanDocument & { steps: (PlanStep | PreviewStep)[] } {
    const steps: (PlanStep | PreviewStep)[] = [];
    let updates = 0;
    for (const step of doc.steps) {
        const { update, ...imported } = step;
        steps.push(imported);
        if (step.op !== "import" || !update || update.diffReasons.length === 0) continue;
        updates++;
        steps.push({
            op: "update",
            urn: step.urn,
            ...(step.provider ? { provider: step.provider } : {}),
            oldState: { ...step.newState, inputs: update.deployed ?? step.newState.inputs },
            newState: step.newState,
            diffReasons: update.diffReasons,
        });
    }
    return {
        ...doc,
        steps,
        changeSummary: { ...doc.changeSummary, ...(updates > 0 ? { update: updates } : {}) },
    } as PlanDocument & { steps: (PlanStep | PreviewStep)[] };
}

/** The ops that replace or delete what an import adopts. */
const REPLACING = new Set([
    "replace",
    "create-replacement",
    "delete-replaced",
    "import-replacement",
    "delete",
    "discard",
    "discard-replaced",
]);

/** What the engine says when an adopting `up` would fail (a warning in a preview). */
const REFUSALS = [
    // pulumi/pulumi >= 3.174.0, step_generator.go: a replacement of an imported resource.
    "previously-imported resources that still specify an ID may not be replaced",
    // Before 3.174.0, step.go ImportStep: any difference fails the import.
    "inputs to import do not match the existing resource",
    // A protected resource the diff would replace.
    "unable to replace resource",
];

export interface GateResult {
    /** Each adopted object: its logical name, type, id and what the update after the import changes. */
    adopted: { name: string; type: string; id: string; updates: string[] }[];
    /** Why the adopting `up` must not run; empty: it may. */
    problems: string[];
}

function nameOf(urn: string): string {
    return urn.split("::").pop() ?? urn;
}

/**
 * The gate before an adopting `pulumi up`, on the preview of the same program and stack: it
 * lists what the `up` imports and the update that follows each import, and stops it when an
 * adopted object would be replaced or deleted (the `up` would fail half-way, or lose data) or
 * when the engine refuses the import.
 */
export function adoptionGate(preview: PreviewDocument): GateResult {
    const steps = preview.steps ?? [];
    const importing = steps.filter((s) => s.op === "import" || s.op === "import-replacement");
    const urns = new Set(importing.map((s) => s.urn));
    const adopted = importing.map((s) => {
        const update = steps.find((u) => u.urn === s.urn && u.op === "update");
        return {
            name: nameOf(s.urn),
            type: s.newState?.type ?? s.urn.split("::")[2]?.split("$").pop() ?? "",
            id: s.newState?.id ?? "",
            updates: update?.diffReasons ?? [],
        };
    });
    const problems: string[] = [];
    for (const s of steps) {
        if (!urns.has(s.urn) || !REPLACING.has(s.op)) continue;
        const why = s.replaceReasons?.length ? ` (${s.replaceReasons.join(", ")})` : "";
        problems.push(
            `${nameOf(s.urn)}: the preview would ${s.op} the adopted object${why}; declare the deployed value of ${why ? "these inputs" : "what changes"} in the stack's config, or do not adopt it`,
        );
    }
    for (const d of preview.diagnostics ?? []) {
        const refusal = REFUSALS.find((r) => d.message.includes(r));
        if (refusal) problems.push(`${d.urn ? `${nameOf(d.urn)}: ` : ""}the engine refuses the adoption: ${refusal}`);
    }
    return { adopted, problems: [...new Set(problems)] };
}

/** The gate's result as Markdown, for a job summary or a terminal. */
export function renderGate(result: GateResult): string {
    const lines = ["### Adoption gate", ""];
    if (result.adopted.length === 0) lines.push("This deploy adopts no deployed object.");
    else {
        lines.push(
            `This deploy adopts ${result.adopted.length} deployed object(s), each imported by its id, then updated to what the program declares:`,
            "",
            "| Resource | Type | Id | Then updated |",
            "| --- | --- | --- | --- |",
            ...result.adopted.map(
                (a) =>
                    `| ${a.name} | \`${a.type}\` | \`${a.id}\` | ${a.updates.length > 0 ? a.updates.map((u) => `\`${u}\``).join(", ") : "nothing"} |`,
            ),
        );
    }
    if (result.problems.length > 0) {
        lines.push("", "**Stopped**: the `up` would not adopt these as they are:", "");
        lines.push(...result.problems.map((p) => `- ${p}`));
    }
    return `${lines.join("\n")}\n`;
}
