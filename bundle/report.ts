/**
 * What an import did with each resource and setting of a bundle, per target: nothing is dropped
 * without a line here.
 */

export type EntryKind =
    /** A resource that became part of the project. */
    | "imported"
    /** A resource that did not, with the reason. */
    | "not-imported"
    /** A setting of an imported resource that has no place in this program's config. */
    | "unmapped"
    /** A value the program needs that the bundle does not give: the importer wrote one. */
    | "added"
    /** A lookup variable or a reference only the workspace can answer. */
    | "unresolved"
    /** A deliberate difference, or how a legacy setting was mapped. */
    | "note"
    /** A deployed object the stack adopts by its id. */
    | "adopted"
    /** A deployed object the stack does not adopt, with what differs. */
    | "differs";

export interface ReportEntry {
    /** The bundle target; `*` for the whole bundle. */
    target: string;
    kind: EntryKind;
    /** The bundle key path (`resources.jobs.training_pipeline.tasks[0].libraries`). */
    path: string;
    message: string;
}

const HEADINGS: Record<EntryKind, string> = {
    imported: "Imported",
    adopted: "Adopted (Pulumi import by id)",
    differs: "Not adopted: the program declares it differently",
    "not-imported": "Not imported",
    unmapped: "Settings not mapped",
    unresolved: "Unresolved (set in config)",
    added: "Added (the program needs it, the bundle does not say)",
    note: "Notes",
};

const ORDER: EntryKind[] = [
    "imported",
    "adopted",
    "differs",
    "not-imported",
    "unmapped",
    "unresolved",
    "added",
    "note",
];

/** The report as Markdown: a section per target, a list per kind. */
export function renderReport(title: string, targets: string[], entries: ReportEntry[]): string {
    const lines = [`# ${title}`, ""];
    for (const target of ["*", ...targets]) {
        const mine = entries.filter((e) => e.target === target);
        if (mine.length === 0) continue;
        lines.push(target === "*" ? "## The whole bundle" : `## Target ${target}`, "");
        for (const kind of ORDER) {
            const some = mine.filter((e) => e.kind === kind);
            if (some.length === 0) continue;
            lines.push(`### ${HEADINGS[kind]}`, "");
            for (const e of some) lines.push(`- \`${e.path}\`: ${e.message}`);
            lines.push("");
        }
    }
    return `${lines.join("\n").trimEnd()}\n`;
}
