import * as fs from "node:fs";
import { adoptionGate, type PreviewDocument, renderGate } from "../plan/adoption";

/**
 * `npm run -s adopt:gate -- <preview.json>` (or the JSON on stdin): the gate before an adopting
 * `pulumi up` (.github/workflows/deploy.yml runs it before every `up`). Reads `pulumi preview
 * --json` of the stack (or `npm run plan -- --json`, the same shape) and writes Markdown: each
 * object the `up` adopts, its id and what the update after its import changes. Exit codes: 0 the
 * `up` may run; 3 stopped: an adopted object would be replaced or deleted, or the engine refuses
 * the import (each named, with what to do); 2 the input is not a preview document.
 */
export function main(
    argv: string[],
    stdin: () => string = () => fs.readFileSync(0, "utf8"),
): {
    code: number;
    out: string;
    err: string;
} {
    if (argv.length > 1) return { code: 2, out: "", err: "usage: npm run -s adopt:gate -- [preview.json]\n" };
    let text: string;
    try {
        text = argv[0] === undefined || argv[0] === "-" ? stdin() : fs.readFileSync(argv[0], "utf8");
    } catch (err) {
        return { code: 2, out: "", err: `adopt:gate: cannot read ${argv[0]}: ${(err as Error).message}\n` };
    }
    let doc: PreviewDocument;
    try {
        doc = JSON.parse(text) as PreviewDocument;
    } catch (err) {
        return {
            code: 2,
            out: "",
            err: `adopt:gate: ${argv[0] ?? "stdin"}: expected the JSON of \`pulumi preview --json\`: ${(err as Error).message}\n`,
        };
    }
    if (!doc || typeof doc !== "object" || !Array.isArray(doc.steps)) {
        return {
            code: 2,
            out: "",
            err: `adopt:gate: ${argv[0] ?? "stdin"}: expected the JSON of \`pulumi preview --json\` (an object with "steps")\n`,
        };
    }
    const result = adoptionGate(doc);
    return { code: result.problems.length > 0 ? 3 : 0, out: renderGate(result), err: "" };
}

if (require.main === module) {
    const { code, out, err } = main(process.argv.slice(2));
    process.stdout.write(out);
    process.stderr.write(err);
    process.exitCode = code;
}
