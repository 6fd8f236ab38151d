import * as fs from "node:fs";

/**
 * `npm run -s drift:summary -- <stack> <outcome> < preview-output`: the job summary of the daily
 * drift check (.github/workflows/drift.yml). Reads the text of `pulumi preview --refresh --diff
 * --expect-no-changes` (the `output` of pulumi/actions), and writes Markdown: each resource the
 * preview would change with its operation and its changed properties, then the whole output.
 * Exit codes: 0 no drift; 1 drift (the run fails); 3 the preview failed for another reason (its
 * output says why: credentials, rights, the program).
 */

/** One resource the refreshed preview would change. */
export interface DriftedResource {
    /** The operation `pulumi preview` shows: update, replace, create, delete, ... */
    op: string;
    type: string;
    /** The logical name (the URN's last segment); the type's when the output shows no URN. */
    name: string;
    /** The changed property lines as the diff prints them, such as `~ name: "a" => "b"`. */
    properties: string[];
}

const HEADER = /^\s*(?:[-+~]{1,2}|\+-|-\+)\s+([\w:/.$-]+): \(([\w-]+)\)/;
const URN = /^\s*\[urn=(urn:pulumi:[^\]]+)\]/;
const PROPERTY = /^\s*(?:[-+~]|\+-)\s+("[^"]+"|[\w.[\]-]+)\s*:/;

/** The resources a `pulumi preview --diff` output would change, with their property lines. */
export function parseDrift(output: string): DriftedResource[] {
    const out: DriftedResource[] = [];
    let current: DriftedResource | undefined;
    for (const line of output.split(/\r?\n/)) {
        if (/^Resources:/.test(line.trim())) break;
        const header = HEADER.exec(line);
        if (header) {
            const [, type, op] = header;
            current =
                op === "same" || op === "read" || op === "refresh"
                    ? undefined
                    : { op, type, name: type, properties: [] };
            if (current) out.push(current);
            continue;
        }
        if (!current) continue;
        const urn = URN.exec(line);
        if (urn) {
            current.name = urn[1].split("::").at(-1) ?? current.name;
            continue;
        }
        if (PROPERTY.test(line) || /=>/.test(line)) current.properties.push(line.trim());
    }
    return out;
}

/** Whether the preview failed because it found changes (drift), not for another reason. */
export function isDrift(output: string): boolean {
    return /no changes were expected but changes were proposed|error: no changes were expected/i.test(output);
}

/** The job summary of one stack's check. */
export function driftSummary(stack: string, outcome: string, output: string): { markdown: string; code: number } {
    const head = `### Drift check of \`${stack}\``;
    const full = ["<details><summary>The preview's output</summary>", "", "```", output.trim(), "```", "</details>"];
    if (outcome === "success") {
        return { markdown: [head, "", "No drift: the refreshed state matches the program.", ""].join("\n"), code: 0 };
    }
    const drifted = parseDrift(output);
    if (!isDrift(output) && drifted.length === 0) {
        return {
            markdown: [head, "", "The preview itself failed (not a drift): see its output.", "", ...full, ""].join(
                "\n",
            ),
            code: 3,
        };
    }
    const lines = [
        head,
        "",
        `Drift: ${drifted.length} resource${drifted.length === 1 ? "" : "s"} differ from what the program declares. Adopt the change into the config, or run \`pulumi up\` to restore (docs/drift.md).`,
        "",
        "| Resource | Type | Operation | Changed properties |",
        "|---|---|---|---|",
        ...drifted.map(
            (r) =>
                `| \`${r.name}\` | \`${r.type}\` | ${r.op} | ${r.properties.map((p) => `\`${p.replace(/\|/g, "\\|").replace(/`/g, "'")}\``).join("<br>") || "(see the output)"} |`,
        ),
        "",
        ...full,
        "",
    ];
    return { markdown: lines.join("\n"), code: 1 };
}

if (require.main === module) {
    const [stack = "", outcome = ""] = process.argv.slice(2);
    if (!stack || !outcome) {
        process.stderr.write("usage: drift-summary <stack> <outcome of the preview step> < output\n");
        process.exitCode = 2;
    } else {
        const { markdown, code } = driftSummary(stack, outcome, fs.readFileSync(0, "utf8"));
        process.stdout.write(markdown);
        process.exitCode = code;
    }
}
