import { isDeepStrictEqual } from "node:util";
import { displayName } from "./displayName";
import { resetIgnored } from "./ignoreChanges";
import type { PlanDocument, PlanStep } from "./plan";
import { notUpdatedRule, ruleName } from "./readbackRules";
import { forcesReplacement, replaceRulesFor } from "./replaceRules";
import { resolveMoves } from "./urns";

/**
 * The difference between two plans (a base and the working tree) in the shape of
 * `pulumi preview --json --diff`: one step per resource with `op`, `oldState`, `newState`,
 * `diffReasons`, `replaceReasons` and `detailedDiff`. Offline, "what is deployed" is the base's
 * plan: the diff a pull request makes to the program, not drift in the cloud.
 */

export type DiffKind = "add" | "delete" | "update" | "add-replace" | "delete-replace" | "update-replace";

/** `import`: a resource new to the program adopts a deployed object by its id (the `import` option). */
export type DiffOp = "create" | "import" | "update" | "replace" | "delete" | "same";

type State = PlanStep["newState"];

export interface DiffStep {
    op: DiffOp;
    urn: string;
    provider?: string;
    oldState?: State;
    newState?: State;
    /** Top-level input properties that changed. */
    diffReasons?: string[];
    /** Top-level input properties whose change forces the replacement. */
    replaceReasons?: string[];
    /** Each changed property path (`config.servedEntities[1].entityVersion`) and how it changed. */
    detailedDiff?: Record<string, { kind: DiffKind; inputDiff: true }>;
}

/** A resource whose URN changed: Pulumi deletes the old and creates the new unless an alias says they are one. */
export interface Rename {
    oldUrn: string;
    newUrn: string;
    /**
     * When the two are in projects of different names (a project renamed in config): the old and
     * the new project name, so the fix is the config key `previousNames`, not code.
     */
    project?: { from: string; to: string };
}

/** The component type of an ML project: its logical name is the project's name in config. */
export const PROJECT_TYPE = "mlops:databricks:MlProject";

/** A replace or delete of a resource that holds data. */
export interface Destructive {
    urn: string;
    type: string;
    op: "replace" | "delete";
    /** Why: the properties that force the replacement, or that the resource is gone (or renamed). */
    reason: string;
}

/**
 * A change an update cannot make: the provider leaves the value as it was (the update request
 * lacks it, or the provider copies it from the old state), so `pulumi up` reports success and
 * every later preview shows the change again.
 */
export interface Perpetual {
    urn: string;
    /** The changed path (`assetsDir`). */
    path: string;
    /** The read-back rule that says so, with its source. */
    rule: string;
}

export interface DiffDocument {
    steps: DiffStep[];
    changeSummary: Partial<Record<DiffOp, number>>;
    diagnostics: PlanDocument["diagnostics"];
    /** Resources whose URN changed (delete + create): each wants an alias. Not in Pulumi's output. */
    renames: Rename[];
    /** Replaces and deletes of stateful resources. Not in Pulumi's output. */
    destructive: Destructive[];
    /** Updates that cannot change what they change: perpetual diffs. Not in Pulumi's output. */
    perpetual?: Perpetual[];
}

/**
 * Resource types that hold data or state that a replacement or a delete loses: a registered
 * model's versions, a schema's tables, a volume's files, a table's rows, an experiment's runs,
 * the storage and the workspace themselves, and the governance around the landing zone.
 */
export const STATEFUL_TYPES = new Set([
    "databricks:index/schema:Schema",
    "databricks:index/registeredModel:RegisteredModel",
    "databricks:index/volume:Volume",
    "databricks:index/sqlTable:SqlTable",
    "databricks:index/mlflowExperiment:MlflowExperiment",
    "databricks:index/storageCredential:StorageCredential",
    "databricks:index/externalLocation:ExternalLocation",
    "azure-native:storage:StorageAccount",
    "azure-native:storage:BlobContainer",
    "azure-native:databricks:Workspace",
    "azure-native:resources:ResourceGroup",
]);

/**
 * Resource types that hold no rows but whose replace or delete is lost all the same, with what
 * is lost: a serving endpoint's name is its URL (`name` forces a replacement,
 * terraform-provider-databricks `serving/resource_model_serving.go`), and a quality monitor's
 * delete leaves its metric tables and dashboard behind, no longer refreshed (the monitor API's
 * delete keeps them).
 */
export const LIVE_TYPES: Record<string, (name: string) => string> = {
    "databricks:index/modelServing:ModelServing": (name) =>
        `the serving endpoint ${name} goes, and the clients that call its URL fail`,
    "databricks:index/qualityMonitor:QualityMonitor": (table) =>
        `the monitor of ${table} goes (its metric tables and dashboard stay behind, no longer refreshed)`,
};

/** Whether a replace or a delete of this type is destructive: it holds data, or serves clients. */
export function isDestructiveType(type: string): boolean {
    return STATEFUL_TYPES.has(type) || type in LIVE_TYPES;
}

/** A property path with list indices removed, as the replacement rules spell it. */
export function rulePath(path: string): string {
    return path.replace(/\[\d+\]/g, "");
}

/** Every changed leaf path between two input values, Pulumi-style (`a.b[0].c`). */
export function changedPaths(before: unknown, after: unknown, path = ""): Map<string, "add" | "delete" | "update"> {
    const out = new Map<string, "add" | "delete" | "update">();
    const walk = (a: unknown, b: unknown, p: string) => {
        if (isDeepStrictEqual(a, b)) return;
        if (a === undefined) return void out.set(p, "add");
        if (b === undefined) return void out.set(p, "delete");
        if (Array.isArray(a) && Array.isArray(b)) {
            for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], `${p}[${i}]`);
            return;
        }
        if (isObject(a) && isObject(b)) {
            for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
                walk(a[k], b[k], p ? `${p}.${k}` : k);
            }
            return;
        }
        out.set(p, "update");
    };
    walk(before, after, path);
    return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Whether a change at a path replaces the resource: the path or one of its ancestors forces a
 * replacement, or a replace-on-change property lies inside an object added or removed whole.
 */
function replaces(type: string, path: string, option: string[] = []): boolean {
    const under = (paths: string[]) => paths.some((r) => r.startsWith(`${path}.`));
    return (
        forcesReplacement(type, path) ||
        under(replaceRulesFor(type)?.replaceOnChanges ?? []) ||
        // The `replaceOnChanges` resource option: the engine replaces on a change at or below
        // a listed path, `*` for any (pulumi/pulumi pkg/resource/deploy/step_generator.go,
        // applyReplaceOnChanges). Paths here are without list indices (rulePath).
        option.some((o) => o === "*" || path === o || path.startsWith(`${o}.`)) ||
        under(option)
    );
}

/** A provider reference without its id, which an offline plan does not know. */
function providerUrn(ref: string | undefined): string {
    return ref ? ref.split("::").slice(0, -1).join("::") : "";
}

function logicalName(urn: string): string {
    return urn.split("::").pop() ?? urn;
}

/** Compares one resource's old and new state. */
export function diffStep(oldState: State, newState: State): DiffStep {
    // The engine keeps an ignored input, nested ones too, as the state has it: no change to show there.
    const inputs = resetIgnored(oldState.inputs, newState.inputs, newState.ignoreChanges ?? []);
    const changes = changedPaths(oldState.inputs, inputs);
    const detailedDiff: DiffStep["detailedDiff"] = {};
    const diffReasons = new Set<string>();
    const replaceReasons = new Set<string>();
    for (const [path, kind] of changes) {
        const top = rulePath(path).split(".")[0];
        diffReasons.add(top);
        const replace = newState.custom && replaces(newState.type, rulePath(path), newState.replaceOnChanges);
        if (replace) replaceReasons.add(top);
        detailedDiff[path] = { kind: replace ? `${kind}-replace` : kind, inputDiff: true };
    }
    const providerChanged = newState.custom && providerUrn(oldState.provider) !== providerUrn(newState.provider);
    if (providerChanged) replaceReasons.add("provider");
    const op: DiffOp = changes.size === 0 && !providerChanged ? "same" : replaceReasons.size > 0 ? "replace" : "update";
    return {
        op,
        urn: newState.urn,
        ...(newState.provider ? { provider: newState.provider } : {}),
        oldState,
        newState,
        ...(op === "same"
            ? {}
            : {
                  diffReasons: [...diffReasons].sort(),
                  ...(replaceReasons.size > 0 ? { replaceReasons: [...replaceReasons].sort() } : {}),
                  detailedDiff,
              }),
    };
}

/**
 * The diff of two plans: steps in the head's order (deletes where the base had them), renames
 * paired by type and logical name, destructive changes of stateful resources.
 */
export function diffPlans(base: PlanDocument, head: PlanDocument): DiffDocument {
    const before = new Map(base.steps.map((s) => [s.urn, s.newState]));
    const after = new Map(head.steps.map((s) => [s.urn, s.newState]));
    // A resource whose `aliases` name a base URN (or whose parent moved, see resolveMoves) is that
    // resource moved: the engine compares the two, it neither deletes nor creates.
    const aliasedFrom = resolveMoves(head.steps, new Set(before.keys()));
    const moved = new Set(aliasedFrom.values());
    const steps: DiffStep[] = [];
    for (const s of head.steps) {
        const old = before.get(s.urn) ?? before.get(aliasedFrom.get(s.urn) ?? "");
        steps.push(
            old
                ? diffStep(old, s.newState)
                : {
                      op: s.op === "import" ? "import" : "create",
                      urn: s.urn,
                      ...(s.provider ? { provider: s.provider } : {}),
                      newState: s.newState,
                  },
        );
    }
    // Deletes run in reverse dependency order: the base's order, backwards.
    const deletes = base.steps
        .filter((s) => !after.has(s.urn) && !moved.has(s.urn))
        .reverse()
        .map((s): DiffStep => ({
            op: "delete",
            urn: s.urn,
            ...(s.provider ? { provider: s.provider } : {}),
            oldState: s.newState,
        }));
    steps.push(...deletes);

    const renames = findRenames(steps, projectOf(base), projectOf(head));
    const renamed = new Set(renames.map((r) => r.oldUrn));
    const destructive: Destructive[] = steps
        .filter((s) => (s.op === "replace" || s.op === "delete") && isDestructiveType(stateOf(s).type))
        .map((s) => ({
            urn: s.urn,
            type: stateOf(s).type,
            op: s.op as "replace" | "delete",
            reason:
                (s.op === "replace"
                    ? `replaced: ${(s.replaceReasons ?? []).join(", ")} changed`
                    : renamed.has(s.urn)
                      ? renamedReason(renames.find((r) => r.oldUrn === s.urn) as Rename)
                      : "deleted: it is no longer in the program") +
                liveLoss(s, after.get(renames.find((r) => r.oldUrn === s.urn)?.newUrn ?? "")) +
                (s.oldState?.protect
                    ? "; it is protected, so `pulumi up` stops until protection is lifted on purpose"
                    : ""),
        }));

    const changeSummary: Partial<Record<DiffOp, number>> = {};
    for (const s of steps) changeSummary[s.op] = (changeSummary[s.op] ?? 0) + 1;
    return {
        steps,
        changeSummary,
        diagnostics: head.diagnostics,
        renames,
        destructive,
        perpetual: perpetualDiffs(steps),
    };
}

/** The changes of updates that an update leaves as they were (read-back rule `notUpdated`). */
export function perpetualDiffs(steps: DiffStep[]): Perpetual[] {
    const out: Perpetual[] = [];
    for (const s of steps) {
        if (s.op !== "update" || !s.newState) continue;
        for (const path of Object.keys(s.detailedDiff ?? {})) {
            const rule = notUpdatedRule(s.newState.type, rulePath(path));
            if (rule) out.push({ urn: s.urn, path, rule: ruleName(s.newState.type, rulePath(path), rule) });
        }
    }
    return out;
}

/**
 * What a destructive step of a live type loses, named as the workspace names it (the endpoint the
 * delete removes, by its old name); for an endpoint whose name changed (replaced, or deleted for
 * its `successor` under a new URN), the config key that keeps it.
 */
function liveLoss(s: DiffStep, successor: State | undefined): string {
    const old = s.oldState;
    const lost = old ? LIVE_TYPES[old.type] : undefined;
    if (!old || !lost) return "";
    const name = displayName(old.type, old.inputs) ?? logicalName(old.urn);
    const renamedEndpoint =
        old.type === "databricks:index/modelServing:ModelServing" &&
        ((s.replaceReasons ?? []).includes("name") ||
            (successor !== undefined && displayName(successor.type, successor.inputs) !== name));
    const keep = renamedEndpoint
        ? "; to keep it, pin its old name in the project's config (serving.endpointName, without the development prefix)"
        : "";
    return `: ${lost(name)}${keep}`;
}

function stateOf(s: DiffStep): State {
    return (s.newState ?? s.oldState) as State;
}

/** Why a renamed stateful resource is deleted, and what keeps it. */
function renamedReason(r: Rename): string {
    const keep = r.project
        ? `; it is the same object: keep it with previousNames: [${r.project.from}] in project ${r.project.to}`
        : `; keep it with the resource option aliases: ["${r.oldUrn}"]`;
    return `deleted and created again under a new URN (${r.newUrn})${keep}`;
}

/**
 * Whether two resources are one project's child before and after the project's rename: the
 * logical name `<project>-<role>` with the project's old name, and with its new one (an
 * endpoint whose name, derived from the project's, changed too).
 */
function sameChildOfRenamedProject(
    oldUrn: string,
    newUrn: string,
    baseProject: (urn: string) => string | undefined,
    headProject: (urn: string) => string | undefined,
): boolean {
    const [from, to] = [baseProject(oldUrn), headProject(newUrn)];
    const name = logicalName(oldUrn);
    if (from === undefined || to === undefined || from === to || !name.startsWith(`${from}-`)) return false;
    return logicalName(newUrn) === `${to}${name.slice(from.length)}`;
}

/** For each URN of a plan, the ML project it belongs to: its nearest MlProject ancestor's name. */
function projectOf(doc: PlanDocument): (urn: string) => string | undefined {
    const byUrn = new Map(doc.steps.map((s) => [s.urn, s.newState]));
    return (urn) => {
        for (let u: string | undefined = urn; u; u = byUrn.get(u)?.parent) {
            if (byUrn.get(u)?.type === PROJECT_TYPE) return logicalName(u);
        }
        return undefined;
    };
}

/**
 * Deleted and created resources that are the same object under a new URN: the same type and the
 * same logical name (re-parented), the same physical name (the name the workspace knows it by:
 * `catalog.schema.model`, an experiment's path; a project renamed in config), or the same inputs.
 */
function findRenames(
    steps: DiffStep[],
    baseProject: (urn: string) => string | undefined,
    headProject: (urn: string) => string | undefined,
): Rename[] {
    const created = steps.filter((s) => s.op === "create" && s.newState?.custom);
    const used = new Set<string>();
    const renames: Rename[] = [];
    for (const d of steps.filter((s) => s.op === "delete" && s.oldState?.custom)) {
        const old = d.oldState as State;
        const physical = displayName(old.type, old.inputs);
        const candidates = created.filter((c) => !used.has(c.urn) && c.newState?.type === old.type);
        const match =
            candidates.find((c) => logicalName(c.urn) === logicalName(d.urn)) ??
            (physical === undefined
                ? undefined
                : candidates.find((c) => displayName(old.type, (c.newState as State).inputs) === physical)) ??
            candidates.find((c) => sameChildOfRenamedProject(d.urn, c.urn, baseProject, headProject)) ??
            candidates.find((c) => isDeepStrictEqual(c.newState?.inputs, old.inputs));
        if (match) {
            used.add(match.urn);
            const [from, to] = [baseProject(d.urn), headProject(match.urn)];
            renames.push({
                oldUrn: d.urn,
                newUrn: match.urn,
                ...(from !== undefined && to !== undefined && from !== to ? { project: { from, to } } : {}),
            });
        }
    }
    return renames;
}
