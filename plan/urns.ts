import type { RecordedAlias } from "./mocks";
import type { PlanDocument } from "./plan";

/**
 * Stable URNs. A resource's URN is its identity in the state: when it changes (a renamed
 * resource or component, a child moved to another parent), `pulumi up` deletes the old resource
 * and creates a new one, unless the new one declares the old identity as an alias. The shipped
 * stacks' URNs are committed (`tests/urns/<stack>.txt`) and checked against each plan.
 */

/** The component type of an ML project, named as the project is in config. */
const PROJECT_COMPONENT = "mlops:databricks:MlProject";

/** The command that rewrites the committed URN lists. */
export const UPDATE_COMMAND = "npm run urns:update";

/** The type part of a URN (`parent$...$type`), as the engine qualifies a child by its parents. */
function qualifiedType(parentUrn: string, type: string): string {
    const parentType = parentUrn ? parentUrn.split("::")[2] : "";
    return parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
}

/**
 * The URN an alias stands for, as the engine resolves it: a URN as it is; a spec's empty fields
 * are the resource's own (name, type, stack, project, and its parent unless `noParent` or
 * `parentUrn` says otherwise).
 */
export function aliasUrn(
    alias: RecordedAlias,
    resource: { name: string; type: string; parent: string },
    stack: string,
    project: string,
): string {
    if (typeof alias === "string") return alias;
    const parent = alias.noParent ? "" : (alias.parentUrn ?? resource.parent);
    return `urn:pulumi:${alias.stack ?? stack}::${alias.project ?? project}::${qualifiedType(parent, alias.type ?? resource.type)}::${alias.name ?? resource.name}`;
}

function urnParts(urn: string): { prefix: string; qualifiedType: string; name: string } {
    const parts = urn.split("::");
    return { prefix: parts.slice(0, 2).join("::"), qualifiedType: parts[2] ?? "", name: parts.slice(3).join("::") };
}

/**
 * Which resource of an earlier state each resource of a plan is, as the engine decides it
 * (pulumi/pulumi pkg/resource/deploy/step_generator.go, `generateAliases`): its own URN when the
 * state has it; else the first of its aliases the state has; else, when its parent was found
 * under an alias, the child alias the engine derives from the parent's: the parent's old type
 * chain, and the child's name with the parent's new name at its start replaced by the old one
 * (`demand-forecast-model` under `demand` is `demand-model`). Steps come parents first, as a plan
 * orders them. The result maps a moved resource's URN to the earlier URN it keeps.
 */
export function resolveMoves(
    steps: { urn: string; newState: { type: string; parent?: string; aliases?: string[] } }[],
    earlier: Set<string>,
): Map<string, string> {
    const moved = new Map<string, string>();
    // An earlier URN a resource of the plan still has is that resource's, no one else's.
    const claimed = new Set(steps.map((s) => s.urn).filter((u) => earlier.has(u)));
    const take = (urn: string, old: string | undefined) => {
        if (old === undefined || claimed.has(old)) return;
        claimed.add(old);
        moved.set(urn, old);
    };
    for (const s of steps) {
        if (earlier.has(s.urn)) continue;
        const candidates = [...(s.newState.aliases ?? [])];
        const parentOld = s.newState.parent ? moved.get(s.newState.parent) : undefined;
        if (parentOld) {
            const parentName = urnParts(s.newState.parent as string).name;
            const parent = urnParts(parentOld);
            for (const alias of [s.urn, ...candidates]) {
                const { name, qualifiedType } = urnParts(alias);
                const type = qualifiedType.split("$").at(-1) ?? qualifiedType;
                const aliasName = name.startsWith(parentName) ? parent.name + name.slice(parentName.length) : name;
                const parentType = parent.qualifiedType === "pulumi:pulumi:Stack" ? "" : parent.qualifiedType;
                candidates.push(`${parent.prefix}::${parentType ? `${parentType}$` : ""}${type}::${aliasName}`);
            }
        }
        take(
            s.urn,
            candidates.find((c) => earlier.has(c)),
        );
    }
    return moved;
}

/** The URNs a plan holds, default providers left out (their URN carries the SDK's version, and the engine moves them). */
export function planUrns(doc: PlanDocument): string[] {
    return doc.steps
        .map((s) => s.urn)
        .filter((u) => !/::pulumi:providers:[^:]+::default(_|$)/.test(u))
        .sort();
}

export interface UrnCheck {
    /** Listed URNs the plan neither holds nor names as an alias: `pulumi up` would delete them. */
    missing: string[];
    /** URNs of the plan the list does not hold yet. */
    added: string[];
}

/** Compares a committed URN list with a plan. */
export function checkUrns(listed: string[], doc: PlanDocument): UrnCheck {
    const current = new Set(planUrns(doc));
    const aliased = new Set(resolveMoves(doc.steps, new Set(listed)).values());
    return {
        missing: listed.filter((u) => !current.has(u) && !aliased.has(u)),
        added: [...current].filter((u) => !listed.includes(u)),
    };
}

function nameOf(urn: string): string {
    return urn.split("::").at(-1) ?? urn;
}

function typeOf(urn: string): string {
    return (urn.split("::")[2] ?? "").split("$").at(-1) ?? "";
}

/** What to do about a check's findings, or "" when there is nothing to do. */
export function urnProblems(listFile: string, check: UrnCheck): string {
    const out: string[] = [];
    if (check.missing.length > 0) {
        out.push(
            `${check.missing.length} URN(s) of ${listFile} are gone from the plan: \`pulumi up\` would delete these resources (and their data) and create new ones.`,
        );
        for (const urn of check.missing) {
            const candidates = check.added.filter((u) => typeOf(u) === typeOf(urn));
            // A project renamed in config: one key keeps all of its resources (docs/projects.md).
            const project =
                urn.split("::")[2] === PROJECT_COMPONENT
                    ? [
                          `    If project ${nameOf(urn)} was renamed in config, list its old name in the new project's config:`,
                          `      previousNames: [${nameOf(urn)}]`,
                      ]
                    : [];
            out.push(
                `  ${urn}`,
                ...candidates.map((u) => `    renamed or moved? the plan has ${u}`),
                ...project,
                `    If it was renamed or moved, keep its identity with the resource option`,
                `      aliases: [{ name: "${nameOf(urn)}" }]            (the old name; add parent: <its old parent> if the parent changed too)`,
                `      or aliases: ["${urn}"]`,
                `    If it is really meant to go, refresh the list: ${UPDATE_COMMAND}`,
            );
        }
    }
    if (check.added.length > 0) {
        out.push(
            `${check.added.length} URN(s) of the plan are not in ${listFile}; if they are new resources, add them with ${UPDATE_COMMAND}:`,
            ...check.added.map((u) => `  ${u}`),
        );
    }
    return out.join("\n");
}
