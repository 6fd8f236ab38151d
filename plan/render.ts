import pc from "picocolors";
import { UNKNOWN } from "./mocks";
import type { PlanDocument, PlanStep } from "./plan";

/** Renders the plan as `pulumi preview` does: a tree of what would be created, then a summary. */
export function renderTree(doc: PlanDocument, stack: string, color: boolean): string {
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
    const rows: { prefix: string; type: string; name: string; protect: boolean }[] = [];
    const walk = (step: PlanStep, indent: string, last: boolean, root: boolean) => {
        const branch = root ? "" : `${indent}${last ? "└─ " : "├─ "}`;
        rows.push({ prefix: branch, type: step.newState.type, name: nameOf(step.urn), protect: step.newState.protect });
        const kids = children.get(step.urn) ?? [];
        kids.forEach((k, i) => walk(k, root ? "" : `${indent}${last ? "   " : "│  "}`, i === kids.length - 1, false));
    };
    for (const root of steps.filter((s) => !s.newState.parent)) walk(root, "", true, true);

    const typeWidth = Math.max(4, ...rows.map((r) => r.prefix.length + r.type.length)) + 2;
    const nameWidth = Math.max(4, ...rows.map((r) => r.name.length)) + 2;
    const lines = [
        `Previewing update (${stack}), offline: Pulumi runtime mocks, no cloud calls`,
        "",
        `     ${"Type".padEnd(typeWidth)}${"Name".padEnd(nameWidth)}Plan`,
        ...rows.map(
            (r) =>
                `${c.green(" +  ")} ${(r.prefix + r.type).padEnd(typeWidth)}${r.name.padEnd(nameWidth)}${c.green("create")}${r.protect ? "  🔒" : ""}`,
        ),
    ];
    if (doc.diagnostics.length > 0) {
        lines.push("", "Diagnostics:", `  pulumi:pulumi:Stack (${nameOf(doc.steps[0].urn)}):`);
        for (const d of doc.diagnostics) lines.push(`    ${c.yellow("warning:")} ${d.message}`);
    }
    const outputs = doc.steps.find((s) => s.newState.type === "pulumi:pulumi:Stack")?.newState.outputs;
    if (outputs && Object.keys(outputs).length > 0) {
        lines.push("", "Outputs:");
        const text = JSON.stringify(outputs, null, 4).replaceAll(`"${UNKNOWN}"`, "output<string>");
        for (const line of text.split("\n").slice(1, -1)) lines.push(line);
    }
    const protectedCount = doc.steps.filter((s) => s.newState.protect).length;
    lines.push("", "Resources:", `    ${c.green(`+ ${doc.changeSummary.create} to create`)}`);
    if (protectedCount > 0) lines.push(`    ${protectedCount} protected from deletion (🔒)`);
    return `${lines.join("\n")}\n`;
}

function nameOf(urn: string): string {
    return urn.split("::").pop() ?? urn;
}
