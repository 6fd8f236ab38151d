import type { Document } from "yaml";

/**
 * A YAML document's first syntax error as one line: `<file>: line 3, column 1: invalid YAML: all
 * mapping items must start at the same column`. The yaml library's pretty message repeats the
 * position and ends with a colon and a code excerpt; the position is given once, the excerpt left
 * to the editor. `undefined` when the document parsed.
 */
export function yamlProblem(file: string, doc: Document): string | undefined {
    const e = doc.errors[0];
    if (!e) return undefined;
    const where = e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}: ` : "";
    const message = e.message
        .split("\n")[0]
        .replace(/ at line \d+, column \d+:?$/, "")
        .replace(/:$/, "");
    return `${file}: ${where}invalid YAML: ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
}
